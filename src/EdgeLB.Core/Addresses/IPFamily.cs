namespace EdgeLB.Core.Addresses;

/// <summary>An IP address family, named as Kubernetes names them in <c>spec.ipFamilies</c>.</summary>
public enum IPFamily
{
    IPv4,
    IPv6,
}
