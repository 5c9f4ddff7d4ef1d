using System.Text;
using System.Text.Json;
using CsCheck;
using EdgeLB.Controller;
using EdgeLB.Controller.Allocation;
using EdgeLB.Controller.Coordination;
using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Core.Pools;
using EdgeLB.Fuzz.Sessions;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Serialization;

namespace EdgeLB.Fuzz.Objects;

/// <summary>One object's JSON with edits applied to its bytes (none for most).</summary>
internal sealed record JsonPiece(string Json, Mutation[] Edits)
{
    public byte[] Bytes() => Mutation.ApplyAll(Encoding.UTF8.GetBytes(Json), Edits);

    public override string ToString() => Edits.Length == 0 ? Json : $"{Json} edited [{string.Join(", ", Edits)}]";
}

/// <summary>The pools, Services and L2Advertisements the controller sees at once.</summary>
internal sealed record ObjectCase(JsonPiece[] Pools, JsonPiece[] Services, JsonPiece[] Advertisements)
{
    public override string ToString() =>
        $"pools [{string.Join(" | ", Pools.Select(p => p.ToString()))}] services [{string.Join(" | ", Services.Select(s => s.ToString()))}] advertisements [{string.Join(" | ", Advertisements.Select(a => a.ToString()))}]";
}

/// <summary>
/// The controller's reading of Services, pools and L2Advertisements: JSON deserialization through
/// the source-generated context (JsonException is the rejection), PoolTranslator and PoolValidator,
/// PoolConfiguration, the Allocator (assign, relearn from status, release), ServiceTranslator and
/// the coordinator's DerivedInputs. Invariants: nothing escapes; no address is held by two Services
/// that do not share it by the same key; every held address belongs to a pool or is an orphan; the
/// allocator's counts agree with what it lists.
/// </summary>
internal sealed class ObjectTarget : IFuzzTarget<ObjectCase>
{
    private static readonly Gen<Mutation[]> Edits = Gen.Frequency((5, Gen.Const(Array.Empty<Mutation>())), (2, Mutation.Some));

    private readonly Tally _outcomes = new();

    public string Name => "objects";

    public TimeSpan CaseBound => TimeSpan.FromSeconds(10);

    public Gen<ObjectCase> Inputs { get; } = Gen.Select(
        Gen.Select(ObjectGen.Pool, Edits, (j, e) => new JsonPiece(j, e)).Array[0, 4],
        Gen.Select(ObjectGen.Service, Edits, (j, e) => new JsonPiece(j, e)).Array[0, 8],
        Gen.Select(ObjectGen.Advertisement, Edits, (j, e) => new JsonPiece(j, e)).Array[0, 2],
        (p, s, a) => new ObjectCase(p, s, a));

    public string? Check(ObjectCase input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // What the API server guarantees holds here too: every object has metadata, and names are
        // unique within a namespace (pools and advertisements are read from the controller's namespace
        // only, whatever their JSON says). The last object of a name stands.
        var pools = Unique(Read(input.Pools, KubernetesJsonContext.Default.IPAddressPool), p => p.Metadata, byNamespace: false);
        var services = Unique(Read(input.Services, KubernetesJsonContext.Default.Service), s => s.Metadata, byNamespace: true);
        var advertisements = Unique(Read(input.Advertisements, KubernetesJsonContext.Default.L2Advertisement), a => a.Metadata, byNamespace: false);
        var options = new ControllerOptions();

        var specs = pools.Select(PoolTranslator.ToSpec).ToList();
        foreach (var spec in specs)
        {
            var (pool, problems) = PoolValidator.Validate(spec);
            _outcomes.Add(pool is null ? $"pool rejected ({(problems.Count > 3 ? "4+" : problems.Count)} problems)" : "pool valid");
        }

        var allocator = new Allocator();
        allocator.SetPools(PoolConfiguration.Reconcile(specs));
        var requests = new Dictionary<ServiceKey, ServiceRequest>();
        foreach (var service in services)
        {
            if (!ServiceTranslator.IsManaged(service, options))
            {
                _outcomes.Add("service not managed");
                continue;
            }

            var request = ServiceTranslator.ToRequest(service, null);
            requests[request.Key] = request;
            var held = ServiceTranslator.IngressAddresses(service);
            var result = held.Count > 0 ? allocator.Relearn(request, held) : allocator.Assign(request);
            _outcomes.Add($"service {(held.Count > 0 ? "relearned" : "assigned")}: {(result.Addresses.Count > 0 ? "got addresses" : "none")}");
            _ = ServiceTranslator.StatusShows(service, result.Addresses, options.IpMode);
        }

        if (Violation(allocator, requests) is { } violation)
        {
            return violation;
        }

        // Releasing every other Service and assigning again must keep the books straight too.
        foreach (var key in requests.Keys.Where((_, i) => i % 2 == 0).ToList())
        {
            allocator.Release(key);
            _ = allocator.Assign(requests[key]);
        }

        if (Violation(allocator, requests) is { } after)
        {
            return "after release and reassign: " + after;
        }

        _ = DerivedInputs.From(new CoordinationInputs(ClusterInputs.Create(null).Nodes, services, advertisements, pools, []), options);
        return null;
    }

    private static List<T> Unique<T>(List<T> objects, Func<T, ObjectMeta?> meta, bool byNamespace) =>
        [.. objects.Where(o => meta(o) is not null).GroupBy(o => (byNamespace ? meta(o)!.Namespace : null, meta(o)!.Name)).Select(g => g.Last())];

    private List<T> Read<T>(JsonPiece[] pieces, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        var objects = new List<T>();
        foreach (var piece in pieces)
        {
            try
            {
                if (JsonSerializer.Deserialize(piece.Bytes(), type) is { } value)
                {
                    objects.Add(value);
                    _outcomes.Add($"{typeof(T).Name} parsed");
                }
            }
            catch (JsonException)
            {
                _outcomes.Add($"{typeof(T).Name} rejected by JSON");
            }
        }

        return objects;
    }

    private static string? Violation(Allocator allocator, Dictionary<ServiceKey, ServiceRequest> requests)
    {
        var listed = allocator.Allocations.SelectMany(a => a.Addresses.Select(ip => (a.Service, Address: ip))).ToList();
        foreach (var group in listed.GroupBy(l => l.Address))
        {
            var holders = group.Select(g => g.Service).Distinct().ToList();
            var keys = holders.Select(h => requests.TryGetValue(h, out var r) ? r.Annotations.GetValueOrDefault(ServiceAnnotations.AllowSharedIP) : null).Distinct().ToList();
            if (holders.Count > 1 && (keys.Count > 1 || string.IsNullOrEmpty(keys[0])))
            {
                return $"invariant: {group.Key} is held by {string.Join(", ", holders)} without one sharing key";
            }

            if (!allocator.HoldersOf(group.Key).ToHashSet().SetEquals(holders))
            {
                return $"invariant: HoldersOf({group.Key}) disagrees with Allocations";
            }

            if (allocator.PoolOf(group.Key) is { } pool && allocator.Pools.Pools.All(p => p.Name != pool))
            {
                return $"invariant: {group.Key} is booked to pool {pool}, which does not exist";
            }
        }

        var distinct = listed.Select(l => l.Address).Distinct().Count();
        return distinct != allocator.AddressCount ? $"invariant: {distinct} addresses listed but AddressCount is {allocator.AddressCount}" : null;
    }

    public string Summary() => _outcomes.ToString();

    public string Describe(ObjectCase input) => input?.ToString() ?? "";
}
