namespace EdgeLB.Core.Allocation;

/// <summary>What decides whether two Services may share one IP.</summary>
internal sealed record SharingProfile(
    string? Key,
    IReadOnlyList<ServicePort> Ports,
    TrafficPolicy TrafficPolicy,
    IReadOnlyDictionary<string, string> Selector)
{
    public static SharingProfile From(ServiceRequest service, string? key) =>
        new(key, service.Ports, service.ExternalTrafficPolicy, service.Selector);

    /// <summary>
    /// Why this Service cannot share an address with <paramref name="other"/>, or null when it can;
    /// <paramref name="otherName"/> is how the answer may name the other Service.
    /// </summary>
    public string? ConflictWith(SharingProfile other, string otherName)
    {
        foreach (var port in Ports)
        {
            if (other.Ports.Contains(port))
            {
                return $"port {port} is already used by {otherName} on that address";
            }
        }

        // Under Local, traffic must land on nodes with local endpoints of every sharing Service;
        // that is only one set of nodes when they select the same pods.
        if ((TrafficPolicy == TrafficPolicy.Local || other.TrafficPolicy == TrafficPolicy.Local) && !SameSelector(other))
        {
            return $"{otherName} selects other pods and externalTrafficPolicy is Local";
        }

        return null;
    }

    private bool SameSelector(SharingProfile other) =>
        Selector.Count == other.Selector.Count
        && Selector.All(kv => other.Selector.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
