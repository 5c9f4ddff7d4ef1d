using EdgeLB.Core.Addresses;
using EdgeLB.Core.Pools;

namespace EdgeLB.Core.Allocation;

/// <summary>A pool in force with the cursors that find its free addresses and its usage counts.</summary>
internal sealed class PoolState
{
    private readonly List<(IPRange Range, SlotMap Map, RangeCursor Cursor)> _ranges = [];
    private long _allocatedV4;
    private long _allocatedV6;

    public PoolState(AddressPool pool)
    {
        Pool = pool;
        foreach (var range in pool.Ranges)
        {
            var map = SlotMap.For(range.Family, pool.AvoidBuggyIPs);
            if (map.SlotsOf(range) is { } slots)
            {
                _ranges.Add((range, map, new RangeCursor(slots.First, slots.Last)));
            }
        }
    }

    private PoolState(AddressPool pool, List<(IPRange Range, SlotMap Map, RangeCursor Cursor)> ranges)
    {
        Pool = pool;
        _ranges = ranges;
    }

    public AddressPool Pool { get; }

    /// <summary>
    /// The same address space under a new version of the pool (say, a new priority): the cursors
    /// carry over, the counts start from zero for the caller to recount.
    /// </summary>
    public PoolState WithPool(AddressPool pool) => new(pool, _ranges);

    public long Allocated(IPFamily family) => family == IPFamily.IPv4 ? _allocatedV4 : _allocatedV6;

    /// <summary>The lowest free address of a family, ranges in the order the user listed them.</summary>
    public IPValue? FindFree(IPFamily family, Func<IPValue, bool> isTaken)
    {
        foreach (var (range, map, cursor) in _ranges)
        {
            if (range.Family == family && cursor.Peek(slot => isTaken(map.ToAddress(slot))) is { } free)
            {
                return map.ToAddress(free);
            }
        }

        return null;
    }

    public void Take(IPValue address)
    {
        CountAllocated(address.Family, +1);
        if (Find(address) is { } r)
        {
            r.Cursor.Take(r.Map.ToSlot(address));
        }
    }

    public void Return(IPValue address)
    {
        CountAllocated(address.Family, -1);
        if (Find(address) is { } r)
        {
            r.Cursor.Return(r.Map.ToSlot(address));
        }
    }

    /// <summary>Counts an address already held when the pool came into force.</summary>
    public void CountAllocated(IPFamily family, int delta)
    {
        if (family == IPFamily.IPv4)
        {
            _allocatedV4 += delta;
        }
        else
        {
            _allocatedV6 += delta;
        }
    }

    private (IPRange Range, SlotMap Map, RangeCursor Cursor)? Find(IPValue address)
    {
        foreach (var r in _ranges)
        {
            if (r.Range.ContainsUsable(address) && r.Map.IsUsable(address))
            {
                return r;
            }
        }

        return null;
    }
}
