namespace EdgeLB.Core.Allocation;

/// <summary><c>spec.externalTrafficPolicy</c>.</summary>
public enum TrafficPolicy
{
    Cluster,
    Local,
}
