using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using k8s.Models;
using Xunit.Abstractions;
using TheirJson = k8s.KubernetesJson;

namespace EdgeLB.Kubernetes.Tests.Referee;

/// <summary>
/// EdgeLB's models against KubernetesClient's (generated from the Kubernetes OpenAPI): what one writes,
/// the other reads back with every field EdgeLB models equal, in both directions.
/// </summary>
public sealed class ModelRefereeTests(ITestOutputHelper output)
{
    [Fact]
    public void Service_RoundTripsBothWays() => BothWays<Service, V1Service>(Resources.Services.TypeInfo);

    [Fact]
    public void EndpointSlice_RoundTripsBothWays() => BothWays<EndpointSlice, V1EndpointSlice>(Resources.EndpointSlices.TypeInfo);

    [Fact]
    public void Node_RoundTripsBothWays() => BothWays<Node, V1Node>(Resources.Nodes.TypeInfo);

    [Fact]
    public void Lease_RoundTripsBothWays() => BothWays<Lease, V1Lease>(Resources.Leases.TypeInfo);

    [Fact]
    public void Event_RoundTripsBothWays() => BothWays<KubeEvent, Corev1Event>(Resources.Events.TypeInfo);

    [Fact]
    public void Lease_FieldsEdgeLBDoesNotModel_SurviveItsFullUpdate()
    {
        // The leader elector writes the whole Lease back (PUT), so a field only KubernetesClient knows
        // (strategy, preferredHolder, managedFields, ownerReferences' details) must come back unchanged.
        var theirs = new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta
            {
                Name = "edgelb-controller",
                NamespaceProperty = "edgelb-system",
                ResourceVersion = "42",
                ManagedFields = [new V1ManagedFieldsEntry { Manager = "kube-controller-manager", Operation = "Update", ApiVersion = "coordination.k8s.io/v1", FieldsType = "FieldsV1" }],
                DeletionGracePeriodSeconds = 30,
            },
            Spec = new V1LeaseSpec
            {
                HolderIdentity = "node-a",
                LeaseDurationSeconds = 15,
                AcquireTime = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1_234_560),
                RenewTime = new DateTime(2026, 3, 4, 5, 6, 9, DateTimeKind.Utc).AddTicks(6_543_210),
                LeaseTransitions = 3,
                Strategy = "OldestEmulationVersion",
                PreferredHolder = "node-b",
            },
        };
        var json = TheirJson.Serialize(theirs);
        var ours = JsonSerializer.Deserialize(json, Resources.Leases.TypeInfo)!;
        var back = TheirJson.Deserialize<V1Lease>(JsonSerializer.Serialize(ours, Resources.Leases.TypeInfo));

        Assert.Equal(json, TheirJson.Serialize(back));
    }

    private void BothWays<TOurs, TTheirs>(JsonTypeInfo<TOurs> ourJson)
        where TOurs : class
        where TTheirs : class
    {
        // Ours → JSON → theirs.
        var ours = (TOurs)new ModelShape(seed: 0).Fill(typeof(TOurs), typeof(TOurs));
        var written = JsonSerializer.Serialize(ours, ourJson);
        output.WriteLine($"EdgeLB wrote: {written}");
        var readByThem = TheirJson.Deserialize<TTheirs>(written);
        AssertSame(ours, readByThem, "EdgeLB → KubernetesClient");

        // Theirs → JSON → ours, with other values.
        var theirs = (TTheirs)new ModelShape(seed: 10_000).Fill(typeof(TOurs), typeof(TTheirs));
        var theirJson = TheirJson.Serialize(theirs);
        output.WriteLine($"KubernetesClient wrote: {theirJson}");
        var readByUs = JsonSerializer.Deserialize(theirJson, ourJson)!;
        AssertSame(readByUs, theirs, "KubernetesClient → EdgeLB");
    }

    private static void AssertSame(object ours, object theirs, string direction)
    {
        var (differences, compared) = ModelShape.Compare(ours, theirs);
        Assert.True(differences.Count == 0, $"{direction}:\n{string.Join('\n', differences)}");
        Assert.True(compared > 10, $"{direction}: only {compared} fields compared");
    }
}
