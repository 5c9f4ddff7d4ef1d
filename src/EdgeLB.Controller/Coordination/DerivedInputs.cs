using EdgeLB.Core.Allocation;

namespace EdgeLB.Controller.Coordination;

/// <summary>What the coordinator derives from the Kubernetes objects, rebuilt when one of them changes.</summary>
internal sealed record DerivedInputs(
    IReadOnlyDictionary<string, NodeFacts> Nodes,
    IReadOnlyList<Advertisement> Advertisements,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> PoolLabels,
    LocalEndpoints Endpoints,
    IReadOnlyList<VipGroup> Groups,
    IReadOnlyDictionary<string, VipGroup> GroupsByKey,
    IReadOnlyDictionary<string, AnnouncingAnnotation> Annotated,
    IReadOnlyList<string> Problems)
{
    public static DerivedInputs Empty { get; } = new(
        new Dictionary<string, NodeFacts>(StringComparer.Ordinal),
        [],
        new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal),
        LocalEndpoints.From([]),
        [],
        new Dictionary<string, VipGroup>(StringComparer.Ordinal),
        new Dictionary<string, AnnouncingAnnotation>(StringComparer.Ordinal),
        []);

    public CoordinationSnapshot Snapshot(IReadOnlyDictionary<string, SpeakerFacts> speakers) =>
        new(Nodes, speakers, Advertisements, PoolLabels, Endpoints);

    public static DerivedInputs From(CoordinationInputs inputs, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var problems = new List<string>();
        var groups = ServiceGrouping.Build(inputs.Services, options);
        var byKey = groups.ToDictionary(g => g.Key, StringComparer.Ordinal);

        // The annotation of any Service of the group names the holder of its key address.
        var annotated = new Dictionary<string, AnnouncingAnnotation>(StringComparer.Ordinal);
        var groupOfService = groups.SelectMany(g => g.Services.Select(s => (s, g))).ToDictionary(x => x.s, x => x.g, StringComparer.Ordinal);
        foreach (var service in inputs.Services)
        {
            var key = $"{service.Metadata.Namespace}/{service.Metadata.Name}";
            if (groupOfService.TryGetValue(key, out var group)
                && AnnouncingAnnotation.TryParse(service.Metadata.Annotations?.GetValueOrDefault(ServiceAnnotations.AnnouncingNode), out var announced)
                && (!annotated.TryGetValue(group.Key, out var seen) || seen.Epoch < announced.Epoch))
            {
                annotated[group.Key] = announced;
            }
        }

        return new DerivedInputs(
            inputs.Nodes.Select(NodeFacts.From).Where(n => n.Name.Length > 0).ToDictionary(n => n.Name, StringComparer.Ordinal),
            [.. inputs.Advertisements.Select(a => Advertisement.From(a, problems))],
            inputs.Pools.Where(p => p.Metadata.Name is not null).ToDictionary(
                p => p.Metadata.Name!,
                p => p.Metadata.Labels ?? new Dictionary<string, string>(StringComparer.Ordinal),
                StringComparer.Ordinal),
            LocalEndpoints.From(inputs.EndpointSlices),
            groups,
            byKey,
            annotated,
            problems);
    }
}
