namespace EdgeLB.Speaker.Forwarding;

/// <summary>The transport protocol of a forwarded port.</summary>
internal enum ForwardProtocol
{
    Tcp,
    Udp,
}
