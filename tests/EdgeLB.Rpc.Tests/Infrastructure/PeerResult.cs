namespace EdgeLB.Rpc.Tests.Infrastructure;

/// <summary>One scenario's outcome as a peer client reported it.</summary>
internal sealed record PeerResult(bool Ok, string Detail);
