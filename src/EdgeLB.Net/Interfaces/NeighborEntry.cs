using System.Net;
using EdgeLB.Net.Ethernet;

namespace EdgeLB.Net.Interfaces;

/// <summary>One entry of the kernel's neighbour (ARP / ND) cache.</summary>
/// <param name="InterfaceIndex">Interface index.</param>
/// <param name="Address">IPv4 or IPv6 address.</param>
/// <param name="Mac">Link-layer address, null while unresolved.</param>
/// <param name="State">NUD_* bits (0x02 REACHABLE, 0x04 STALE, 0x20 FAILED, 0x80 PERMANENT, ...).</param>
public sealed record NeighborEntry(int InterfaceIndex, IPAddress Address, MacAddress? Mac, int State);
