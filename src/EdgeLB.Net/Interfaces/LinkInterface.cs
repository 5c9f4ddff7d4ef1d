using EdgeLB.Net.Ethernet;

namespace EdgeLB.Net.Interfaces;

/// <summary>A network interface as the kernel describes it at one moment.</summary>
/// <param name="Name">Interface name (eth0).</param>
/// <param name="Index">Kernel interface index.</param>
/// <param name="Mac">Hardware address; zero for interfaces without one (lo, tunnels).</param>
/// <param name="IsUp">Administratively up (IFF_UP).</param>
/// <param name="HasCarrier">Lower layer up (IFF_LOWER_UP): a cable, a peer veth.</param>
/// <param name="OperationalState">RFC 2863 state.</param>
/// <param name="Addresses">IPv4 and IPv6 addresses.</param>
public sealed record LinkInterface(
    string Name,
    int Index,
    MacAddress Mac,
    bool IsUp,
    bool HasCarrier,
    LinkOperationalState OperationalState,
    IReadOnlyList<InterfaceAddress> Addresses);
