namespace EdgeLB.Net.Sockets;

/// <summary>The <c>sll_pkttype</c> of a received frame: to whom the kernel thinks it was addressed.</summary>
public enum LinkPacketType
{
    /// <summary>To this host's MAC.</summary>
    Host = 0,
    Broadcast = 1,
    Multicast = 2,

    /// <summary>To another host's MAC (seen because the NIC or veth delivered it anyway).</summary>
    OtherHost = 3,

    /// <summary>Our own transmission looped back to packet sockets.</summary>
    Outgoing = 4,
}
