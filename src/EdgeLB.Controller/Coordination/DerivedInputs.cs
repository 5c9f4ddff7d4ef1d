using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Models;

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

    /// <summary>The one-Service groups by the Service object they were built from, for the next <see cref="From"/> to take over.</summary>
    public IReadOnlyDictionary<Service, VipGroup> SingleServiceGroups { get; private init; } = new Dictionary<Service, VipGroup>(ReferenceEqualityComparer.Instance);

    public CoordinationSnapshot Snapshot(IReadOnlyDictionary<string, SpeakerFacts> speakers) =>
        new(Nodes, speakers, Advertisements, PoolLabels, Endpoints);

    /// <summary>Derives everything from <paramref name="inputs"/>; groups of Services unchanged since <paramref name="previous"/> are taken over from it.</summary>
    public static DerivedInputs From(CoordinationInputs inputs, ControllerOptions options, DerivedInputs? previous = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var problems = new List<string>();
        var grouped = ServiceGrouping.Build(inputs.Services, options, (previous ?? Empty).SingleServiceGroups);
        var groups = new List<VipGroup>(grouped.Count);
        var byKey = new Dictionary<string, VipGroup>(grouped.Count, StringComparer.Ordinal);
        var single = new Dictionary<Service, VipGroup>(grouped.Count, ReferenceEqualityComparer.Instance);

        // The annotation of any Service of the group names the holder of its key address.
        var annotated = new Dictionary<string, AnnouncingAnnotation>(StringComparer.Ordinal);
        foreach (var (group, members) in grouped)
        {
            groups.Add(group);
            byKey.Add(group.Key, group);
            if (members.Count == 1)
            {
                single[members[0]] = group;
            }

            foreach (var member in members)
            {
                if (AnnouncingAnnotation.TryParse(member.Metadata.Annotations?.GetValueOrDefault(ServiceAnnotations.AnnouncingNode), out var announced)
                    && (!annotated.TryGetValue(group.Key, out var seen) || seen.Epoch < announced.Epoch))
                {
                    annotated[group.Key] = announced;
                }
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
            problems)
        {
            SingleServiceGroups = single,
        };
    }
}
