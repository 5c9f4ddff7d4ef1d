namespace EdgeLB.Speaker.Forwarding;

/// <summary>How a new connection or flow picks among healthy backends.</summary>
internal enum BalancingMode
{
    /// <summary>The backend with the fewest active connections per unit of weight.</summary>
    LeastConnections,

    /// <summary>Each backend in turn, repeated by weight.</summary>
    RoundRobin,
}
