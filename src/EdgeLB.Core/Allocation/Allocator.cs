using EdgeLB.Core.Addresses;
using EdgeLB.Core.Pools;
using EdgeLB.Core.Text;

namespace EdgeLB.Core.Allocation;

/// <summary>
/// Decides which Service holds which load-balancer address. Not thread-safe: the controller drives
/// it from one reconcile loop. Allocation and release cost O(log n) in the number of allocated
/// addresses, and memory grows with what is allocated, never with the size of a pool.
/// </summary>
/// <remarks>
/// Rules: an unchanged request never moves an address (not when other Services go, not when pools
/// are edited); a refused request leaves the Service with what it held; an address is held by two
/// Services only under one sharing key with compatible ports (and, under Local, the same pods).
/// </remarks>
public sealed class Allocator
{
    private readonly Dictionary<IPValue, AddressHolding> _holders = [];
    private readonly Dictionary<ServiceKey, ServiceAllocation> _services = [];
    private readonly Dictionary<string, SortedSet<IPValue>> _sharedByKey = new(StringComparer.Ordinal);
    private readonly Func<IPValue, bool> _isTaken;
    private readonly Dictionary<PoolFamily, int> _freed = [];
    private readonly HashSet<IPValue> _touched = [];
    private readonly HashSet<string> _keysTaken = new(StringComparer.Ordinal);
    private Dictionary<string, PoolState> _pools = new(StringComparer.Ordinal);
    private List<PoolState> _autoOrder = [];

    public Allocator(PoolConfiguration? pools = null)
    {
        _isTaken = _holders.ContainsKey;
        SetPools(pools ?? PoolConfiguration.Empty);
    }

    public PoolConfiguration Pools { get; private set; } = PoolConfiguration.Empty;

    public int ServiceCount => _services.Count;

    public int AddressCount => _holders.Count;

    /// <summary>
    /// Puts a new set of pools in force. Held addresses stay held, also those that left every pool.
    /// Returns the Services holding an address whose pool changed (to another pool, to none, or
    /// back from none), so they can be told at once rather than when they next change.
    /// </summary>
    public IReadOnlySet<ServiceKey> SetPools(PoolConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var next = new Dictionary<string, PoolState>(StringComparer.Ordinal);
        foreach (var pool in configuration.Pools)
        {
            // Keep the cursors of a pool whose addresses did not change; a fresh cursor is correct
            // too, it just skips held addresses once before it is as fast again.
            next[pool.Name] = _pools.TryGetValue(pool.Name, out var old) && SameAddressSpace(old.Pool, pool)
                ? old.WithPool(pool)
                : new PoolState(pool);
        }

        _pools = next;
        var moved = new HashSet<ServiceKey>();
        foreach (var (address, holding) in _holders)
        {
            var pool = PoolContaining(address)?.Pool.Name;
            if (pool != holding.Pool)
            {
                moved.UnionWith(holding.Services);
                holding.Pool = pool;
            }

            if (holding.Pool is not null)
            {
                _pools[holding.Pool].CountAllocated(address.Family, +1);
            }
        }

        Pools = configuration;
        _autoOrder = [.. _pools.Values
            .Where(p => p.Pool.AutoAssign)
            .OrderBy(p => p.Pool.HasAllocationPolicy ? 0 : 1)
            .ThenBy(p => p.Pool.Priority == 0 ? int.MaxValue : p.Pool.Priority)
            .ThenBy(p => p.Pool.Name, StringComparer.Ordinal)];
        return moved;
    }

    /// <summary>Gives a Service the addresses its spec and annotations ask for, keeping what it has when that still fits.</summary>
    public AllocationResult Assign(ServiceRequest service)
    {
        ArgumentNullException.ThrowIfNull(service);
        _services.TryGetValue(service.Key, out var existing);
        var (intent, refusal) = ServiceAnnotations.Parse(service);
        if (intent is null)
        {
            return Refused(existing, refusal!);
        }

        var profile = SharingProfile.From(service, intent.SharingKey);
        if (existing is not null && KeepConflict(existing, intent, profile) is null)
        {
            return TopUp(service, existing with { Intent = intent, Profile = profile });
        }

        var (picks, planRefusal) = Plan(service, intent, profile, intent.RequiredFamilies, intent.OptionalFamilies);
        if (planRefusal is not null)
        {
            if (existing is not null && KeepConflict(existing, intent, profile) is { } conflict)
            {
                planRefusal = planRefusal with { Message = $"{planRefusal.Message}; keeping {string.Join(", ", existing.Addresses)} ({conflict})" };
            }

            return Refused(existing, planRefusal);
        }

        if (existing is not null)
        {
            ReleaseAllocation(existing);
        }

        Commit(service.Key, picks, intent, profile);
        return Result(service.Key, changed: true);
    }

    /// <summary>
    /// Takes back addresses a Service already holds (read from its status after a restart), before
    /// anything new is allocated. Refused only when another Service holds an address and may not share it.
    /// </summary>
    public AllocationResult Relearn(ServiceRequest service, IReadOnlyList<IPValue> addresses)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(addresses);
        var (intent, _) = ServiceAnnotations.Parse(service);
        var profile = SharingProfile.From(service, intent?.SharingKey);
        var wanted = addresses.Distinct().Order().ToList();
        if (_services.TryGetValue(service.Key, out var existing))
        {
            if (existing.Addresses.SequenceEqual(wanted))
            {
                return Result(service.Key, changed: false);
            }

            ReleaseAllocation(existing);
        }

        foreach (var address in wanted)
        {
            if (ShareConflict(address, profile, service.Key) is { } conflict)
            {
                return Refused(null, conflict);
            }
        }

        Commit(service.Key, wanted, intent, profile);
        return Result(service.Key, changed: true);
    }

    /// <summary>Frees a Service's addresses (the last holder of a shared address frees it).</summary>
    public bool Release(ServiceKey key)
    {
        if (!_services.TryGetValue(key, out var allocation))
        {
            return false;
        }

        ReleaseAllocation(allocation);
        return true;
    }

    /// <summary>The changes since the last call (see <see cref="AllocationChanges"/>), then forgets them.</summary>
    public AllocationChanges TakeChanges()
    {
        var changes = new AllocationChanges(
            new Dictionary<PoolFamily, int>(_freed),
            [.. _touched],
            [.. _keysTaken]);
        _freed.Clear();
        _touched.Clear();
        _keysTaken.Clear();
        return changes;
    }

    /// <summary>Whether a pool has a free address of a family.</summary>
    public bool HasFree(PoolFamily where) =>
        _pools.TryGetValue(where.Pool, out var state) && state.FindFree(where.Family, _isTaken) is not null;

    public IReadOnlyList<IPValue> AddressesOf(ServiceKey key) =>
        _services.TryGetValue(key, out var a) ? a.Addresses : [];

    public IReadOnlyList<ServiceKey> HoldersOf(IPValue address) =>
        _holders.TryGetValue(address, out var h) ? h.Services : [];

    /// <summary>The pool an allocated address lies in, or null.</summary>
    public string? PoolOf(IPValue address) => _holders.TryGetValue(address, out var h) ? h.Pool : null;

    public IEnumerable<(ServiceKey Service, IReadOnlyList<IPValue> Addresses)> Allocations =>
        _services.Values.Select(a => (a.Key, a.Addresses));

    /// <summary>Held addresses that are in no pool any more.</summary>
    public IEnumerable<IPValue> Orphans => _holders.Where(h => h.Value.Pool is null).Select(h => h.Key);

    public PoolUsage Usage(string pool, IPFamily family) =>
        _pools.TryGetValue(pool, out var state)
            ? new PoolUsage(state.Pool.Size(family), state.Allocated(family))
            : default;

    /// <summary>Why an existing allocation no longer fits the request, or null when it may stay.</summary>
    private string? KeepConflict(ServiceAllocation existing, AllocationIntent intent, SharingProfile profile)
    {
        if (!intent.Equals(existing.Intent))
        {
            if (intent.RequestedIPs.Count > 0 && !existing.Addresses.SequenceEqual(intent.RequestedIPs))
            {
                return "other addresses were requested";
            }

            if (intent.Pool is not null && existing.Addresses.Any(a => PoolOf(a) != intent.Pool))
            {
                return $"pool {QuotedValue.Quote(intent.Pool)} was requested";
            }

            if (existing.Addresses.Any(a => !intent.WantedFamilies.Contains(a.Family)))
            {
                return "the Service's IP families changed";
            }
        }

        foreach (var address in existing.Addresses)
        {
            if (ShareConflict(address, profile, existing.Key) is { } conflict)
            {
                return conflict.Message;
            }
        }

        return null;
    }

    /// <summary>
    /// Keeps an allocation that still fits and adds addresses of wanted families it lacks. A refusal
    /// leaves everything as it was, including the sharing profile on record.
    /// </summary>
    private AllocationResult TopUp(ServiceRequest service, ServiceAllocation kept)
    {
        var intent = kept.Intent!;
        var missingRequired = intent.RequiredFamilies.Where(f => kept.Addresses.All(a => a.Family != f)).ToList();
        var missingOptional = intent.OptionalFamilies.Where(f => kept.Addresses.All(a => a.Family != f)).ToList();
        var picks = new List<IPValue>();
        if (missingRequired.Count > 0 || missingOptional.Count > 0)
        {
            (picks, var refusal) = Plan(service, intent, kept.Profile, missingRequired, missingOptional, PoolOf(kept.Addresses[0]));
            if (refusal is not null && missingRequired.Count > 0)
            {
                return Refused(_services[service.Key], refusal);
            }
        }

        if (picks.Count == 0)
        {
            RefreshProfile(kept);
            return Result(service.Key, changed: false);
        }

        ReleaseAllocation(_services[service.Key]);
        Commit(service.Key, [.. kept.Addresses, .. picks], intent, kept.Profile);
        return Result(service.Key, changed: true);
    }

    /// <summary>Chooses addresses for the given families without changing any state.</summary>
    private (List<IPValue> Picks, AllocationNotice? Refusal) Plan(
        ServiceRequest service,
        AllocationIntent intent,
        SharingProfile profile,
        IReadOnlyList<IPFamily> required,
        IReadOnlyList<IPFamily> optional,
        string? preferredPool = null)
    {
        if (intent.RequestedIPs.Count > 0)
        {
            return PlanRequested(service, intent, profile);
        }

        var (candidates, refusal) = CandidatePools(service, intent);
        if (refusal is not null)
        {
            return ([], refusal);
        }

        if (preferredPool is not null && candidates.FindIndex(c => c.Pool.Name == preferredPool) is var i and > 0)
        {
            var preferred = candidates[i];
            candidates.RemoveAt(i);
            candidates.Insert(0, preferred);
        }

        foreach (var family in required)
        {
            if (!candidates.Any(c => c.Pool.HasFamily(family)))
            {
                return ([], new(AllocationReasons.FamilyNotAvailable,
                    $"no pool this Service may use has {family} addresses (pools: {string.Join(", ", candidates.Select(c => c.Pool.Name))})"));
            }
        }

        // First a pool where every required family can be shared under the Service's key, so that
        // Services with one key end up on one address; then the first pool with room.
        bool[] modes = intent.SharingKey is null ? [false] : [true, false];
        foreach (var shareOnly in modes)
        {
            foreach (var pool in candidates)
            {
                var picks = new List<IPValue>();
                if (required.All(f => Pick(pool, f, profile, service.Key, shareOnly) is { } a && Add(picks, a)))
                {
                    foreach (var family in optional)
                    {
                        if (Pick(pool, family, profile, service.Key, shareOnly: false) is { } a)
                        {
                            picks.Add(a);
                        }
                    }

                    return (picks, null);
                }
            }
        }

        if (required.Count == 0)
        {
            return ([], null);
        }

        return ([], new(AllocationReasons.PoolExhausted,
            $"no free {string.Join(" and ", required)} address in pool{(candidates.Count > 1 ? "s" : string.Empty)} {string.Join(", ", candidates.Select(c => c.Pool.Name))}")
        {
            WaitsFor = new AllocationWait
            {
                Pools = [.. candidates.SelectMany(c => required.Where(c.Pool.HasFamily).Select(f => new PoolFamily(c.Pool.Name, f)))],
                SharingKey = intent.SharingKey,
            },
        });

        static bool Add(List<IPValue> picks, IPValue a)
        {
            picks.Add(a);
            return true;
        }
    }

    private (List<IPValue> Picks, AllocationNotice? Refusal) PlanRequested(ServiceRequest service, AllocationIntent intent, SharingProfile profile)
    {
        if (intent.Pool is not null && !_pools.ContainsKey(intent.Pool))
        {
            return ([], new(AllocationReasons.UnknownPool, $"pool {QuotedValue.Quote(intent.Pool)} does not exist"));
        }

        foreach (var address in intent.RequestedIPs)
        {
            var state = PoolContaining(address);
            if (state is null)
            {
                var why = !_pools.Values.Any(p => p.Pool.Ranges.Any(r => r.Contains(address)))
                    ? "is not in any pool"
                    : address.Family == IPFamily.IPv6
                        ? "is the Subnet-Router anycast address of its pool's CIDR, which is never handed out"
                        : "ends in .0 or .255 and its pool has avoidBuggyIPs set";
                return ([], new(AllocationReasons.RequestedIPNotInPool, $"requested {address} {why}"));
            }

            if (intent.Pool is not null && state.Pool.Name != intent.Pool)
            {
                return ([], new(AllocationReasons.RequestedIPNotInPool, $"requested {address} is in pool \"{state.Pool.Name}\", not in the requested pool {QuotedValue.Quote(intent.Pool)}"));
            }

            if (!Allows(state.Pool, service))
            {
                return ([], new(AllocationReasons.PoolNotAllowed, $"pool \"{state.Pool.Name}\" of requested {address} does not allow Services in namespace {service.Key.Namespace} with these labels"));
            }

            if (ShareConflict(address, profile, service.Key) is { } conflict)
            {
                return ([], conflict);
            }
        }

        return ([.. intent.RequestedIPs], null);
    }

    private (List<PoolState> Pools, AllocationNotice? Refusal) CandidatePools(ServiceRequest service, AllocationIntent intent)
    {
        if (intent.Pool is not null)
        {
            if (!_pools.TryGetValue(intent.Pool, out var named))
            {
                return ([], new(AllocationReasons.UnknownPool, $"pool {QuotedValue.Quote(intent.Pool)} does not exist"));
            }

            return Allows(named.Pool, service)
                ? ([named], null)
                : ([], new(AllocationReasons.PoolNotAllowed, $"pool {QuotedValue.Quote(intent.Pool)} does not allow Services in namespace {service.Key.Namespace} with these labels"));
        }

        var candidates = _autoOrder.Where(p => Allows(p.Pool, service)).ToList();
        return candidates.Count > 0
            ? (candidates, null)
            : ([], new(AllocationReasons.NoMatchingPool, _pools.Count == 0
                ? "no IPAddressPool exists"
                : "no auto-assign pool allows this Service; name one with the edgelb.io/address-pool annotation"));
    }

    /// <summary>An address of a family from a pool: one this Service may share, else the lowest free.</summary>
    private IPValue? Pick(PoolState pool, IPFamily family, SharingProfile profile, ServiceKey self, bool shareOnly)
    {
        if (profile.Key is not null && _sharedByKey.TryGetValue(profile.Key, out var shared))
        {
            foreach (var address in shared)
            {
                if (address.Family == family && _holders[address].Pool == pool.Pool.Name && ShareConflict(address, profile, self) is null)
                {
                    return address;
                }
            }
        }

        return shareOnly ? null : pool.FindFree(family, _isTaken);
    }

    /// <summary>Why this Service may not hold an address that others hold, or null when it may.</summary>
    private AllocationNotice? ShareConflict(IPValue address, SharingProfile profile, ServiceKey self)
    {
        if (!_holders.TryGetValue(address, out var holding))
        {
            return null;
        }

        var others = holding.Services.Where(s => s != self).ToList();
        if (others.Count == 0)
        {
            return null;
        }

        if (holding.SharingKey is null || holding.SharingKey != profile.Key)
        {
            return new(AllocationReasons.RequestedIPInUse,
                $"{address} is held by {Visible(others[0], self)}{(holding.SharingKey is null ? string.Empty : " under another sharing key")}")
            {
                WaitsFor = new AllocationWait { Addresses = [address] },
            };
        }

        foreach (var other in others)
        {
            if (profile.ConflictWith(_services[other].Profile, Visible(other, self)) is { } why)
            {
                return new(AllocationReasons.SharingConflict, $"cannot share {address}: {why}")
                {
                    WaitsFor = new AllocationWait { Addresses = [address] },
                };
            }
        }

        return null;
    }

    private void Commit(ServiceKey key, IReadOnlyList<IPValue> addresses, AllocationIntent? intent, SharingProfile profile)
    {
        foreach (var address in addresses)
        {
            if (!_holders.TryGetValue(address, out var holding))
            {
                var state = PoolContaining(address);
                holding = new AddressHolding(state?.Pool.Name, profile.Key);
                _holders[address] = holding;
                state?.Take(address);
            }
            else if (holding.Services.Count == 0 || holding.Services.All(s => s == key))
            {
                holding.SharingKey = profile.Key;
            }

            UpdateKeyIndex(address, holding.SharingKey, add: true);
            holding.Services.Add(key);
            _touched.Add(address);
            if (holding.SharingKey is not null)
            {
                _keysTaken.Add(holding.SharingKey);
            }
        }

        _services[key] = new ServiceAllocation(key, [.. addresses.Order()], intent, profile);
    }

    private void ReleaseAllocation(ServiceAllocation allocation)
    {
        foreach (var address in allocation.Addresses)
        {
            var holding = _holders[address];
            holding.Services.Remove(allocation.Key);
            _touched.Add(address);
            if (holding.Services.Count > 0)
            {
                continue;
            }

            _holders.Remove(address);
            UpdateKeyIndex(address, holding.SharingKey, add: false);
            if (holding.Pool is not null)
            {
                _pools[holding.Pool].Return(address);
                var where = new PoolFamily(holding.Pool, address.Family);
                _freed[where] = _freed.GetValueOrDefault(where) + 1;
            }
        }

        _services.Remove(allocation.Key);
    }

    /// <summary>Stores a kept allocation's latest sharing profile, re-keying addresses it holds alone.</summary>
    private void RefreshProfile(ServiceAllocation allocation)
    {
        foreach (var address in allocation.Addresses)
        {
            // Its ports or pods may have changed, which can settle a sharing conflict over the address.
            _touched.Add(address);
            var holding = _holders[address];
            if (holding.SharingKey != allocation.Profile.Key && holding.Services.All(s => s == allocation.Key))
            {
                UpdateKeyIndex(address, holding.SharingKey, add: false);
                holding.SharingKey = allocation.Profile.Key;
                UpdateKeyIndex(address, holding.SharingKey, add: true);
                if (holding.SharingKey is not null)
                {
                    _keysTaken.Add(holding.SharingKey);
                }
            }
        }

        _services[allocation.Key] = allocation;
    }

    private void UpdateKeyIndex(IPValue address, string? key, bool add)
    {
        if (key is null)
        {
            return;
        }

        if (add)
        {
            if (!_sharedByKey.TryGetValue(key, out var set))
            {
                _sharedByKey[key] = set = [];
            }

            set.Add(address);
        }
        else if (_sharedByKey.TryGetValue(key, out var set) && set.Remove(address) && set.Count == 0)
        {
            _sharedByKey.Remove(key);
        }
    }

    private PoolState? PoolContaining(IPValue address)
    {
        foreach (var state in _pools.Values)
        {
            if (state.Pool.Contains(address))
            {
                return state;
            }
        }

        return null;
    }

    /// <summary>
    /// How a refusal names another Service: by name within the asking Service's namespace, and only
    /// as "another Service" beyond it, so a tenant's Events never reveal other tenants' Services
    /// (the operator finds the holder with <c>edgelb explain &lt;address&gt;</c>).
    /// </summary>
    private static string Visible(ServiceKey other, ServiceKey self) =>
        other.Namespace == self.Namespace ? other.ToString() : "another Service";

    private static bool Allows(AddressPool pool, ServiceRequest service) =>
        pool.Allows(service.Key.Namespace, service.NamespaceLabels, service.Labels);

    private static bool SameAddressSpace(AddressPool a, AddressPool b) =>
        a.AvoidBuggyIPs == b.AvoidBuggyIPs && a.Ranges.SequenceEqual(b.Ranges);

    private AllocationResult Result(ServiceKey key, bool changed)
    {
        var addresses = AddressesOf(key);
        var orphans = addresses.Where(a => PoolOf(a) is null).ToList();
        return new AllocationResult
        {
            Addresses = addresses,
            Pool = addresses.Count > 0 ? PoolOf(addresses[0]) : null,
            Changed = changed,
            OutsidePools = orphans,
            Warnings = orphans.Count == 0
                ? []
                : [new(AllocationReasons.IPNotInAnyPool, $"{string.Join(", ", orphans)} {(orphans.Count == 1 ? "is" : "are")} in no pool any more (a pool was deleted or shrunk); still served and kept until a pool covers {(orphans.Count == 1 ? "it" : "them")} again or the Service asks for another address")],
        };
    }

    private AllocationResult Refused(ServiceAllocation? existing, AllocationNotice refusal) =>
        (existing is null ? new AllocationResult { Addresses = [] } : Result(existing.Key, changed: false)) with { Refusal = refusal };
}
