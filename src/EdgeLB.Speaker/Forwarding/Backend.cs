using System.Net;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>A forwarding target: a node's address and the Service's NodePort there, with a relative weight.</summary>
internal sealed record Backend(IPEndPoint EndPoint, int Weight = 1)
{
    public override string ToString() => Weight == 1 ? EndPoint.ToString() : $"{EndPoint}*{Weight}";
}
