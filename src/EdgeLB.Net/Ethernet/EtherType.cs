namespace EdgeLB.Net.Ethernet;

/// <summary>EtherType values this layer knows.</summary>
public static class EtherType
{
    public const ushort IPv4 = 0x0800;
    public const ushort Arp = 0x0806;
    public const ushort Vlan = 0x8100;
    public const ushort IPv6 = 0x86DD;

    /// <summary>Not on the wire: the Linux "every protocol" selector for AF_PACKET sockets.</summary>
    public const ushort All = 0x0003;
}
