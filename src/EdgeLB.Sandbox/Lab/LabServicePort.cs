namespace EdgeLB.Sandbox.Lab;

/// <summary>One port of a Service as the lab serves it: the EndpointSlice's port and the nodePort kube-proxy would open.</summary>
/// <param name="Name">The Service port's name.</param>
/// <param name="TargetPort">The port of the (stand-in) pods.</param>
/// <param name="Protocol">TCP, UDP or SCTP.</param>
/// <param name="NodePort">The nodePort; 0 for none.</param>
public sealed record LabServicePort(string Name, int TargetPort, string Protocol, int NodePort);
