namespace EdgeLB.Kubernetes.Models;

/// <summary>Pools by name or selector, node selectors and optional interfaces.</summary>
public sealed record L2AdvertisementSpec
{
    public IReadOnlyList<string>? IpAddressPools { get; init; }

    public IReadOnlyList<LabelSelector>? IpAddressPoolSelectors { get; init; }

    public IReadOnlyList<LabelSelector>? NodeSelectors { get; init; }

    public IReadOnlyList<string>? Interfaces { get; init; }
}
