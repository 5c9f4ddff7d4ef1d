namespace EdgeLB.Controller.Coordination;

/// <summary>One port of one Service on a VIP.</summary>
/// <remarks>
/// <see cref="Service"/>: "namespace/name" of the Service the port belongs to.
/// <see cref="Protocol"/>: TCP, UDP or SCTP.
/// </remarks>
internal sealed record GroupPort(string Service, string Name, string Protocol, int Port, int NodePort, bool Local);
