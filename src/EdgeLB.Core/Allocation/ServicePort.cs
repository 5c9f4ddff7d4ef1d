namespace EdgeLB.Core.Allocation;

/// <summary>A port a Service exposes on its load-balancer IP.</summary>
public readonly record struct ServicePort(string Protocol, int Port)
{
    public override string ToString() => $"{Port}/{Protocol}";
}
