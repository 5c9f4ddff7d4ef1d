namespace EdgeLB.Net.Arp;

/// <summary>ARP opcodes (RFC 826).</summary>
public enum ArpOperation
{
    Request = 1,
    Reply = 2,
}
