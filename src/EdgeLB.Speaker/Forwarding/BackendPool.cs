using System.Collections.Concurrent;
using System.Net;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// The backends of one VIP:port and the choice of one for each new connection or flow:
/// least-connections (ties rotate) or weighted round-robin among eligible backends, with optional
/// ClientIP affinity that holds until the timeout passes without a new connection from the client.
/// Selection is lock-free; the slot array is replaced whole on update.
/// </summary>
internal sealed class BackendPool
{
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<IPAddress, Affinity> _affinity = new();
    private volatile BackendSlot[] _slots = [];
    private volatile ServiceForwardingOptions _options;
    private long _turn = -1;

    public BackendPool(VipPort vip, ServiceForwardingOptions options, TimeProvider time)
    {
        Vip = vip;
        _options = options;
        _time = time;
    }

    public VipPort Vip { get; }

    public ServiceForwardingOptions Options => _options;

    public IReadOnlyList<BackendSlot> Slots => _slots;

    public int AffinityEntries => _affinity.Count;

    public void Update(BackendSlot[] slots, ServiceForwardingOptions options)
    {
        _slots = slots;
        _options = options;
        if (options.SessionAffinityTimeout is null)
        {
            _affinity.Clear();
        }
    }

    /// <summary>
    /// Picks a backend for a new connection from <paramref name="client"/>, skipping
    /// <paramref name="exclude"/> (backends this connection already failed on). Null when none is eligible.
    /// </summary>
    public BackendSlot? Select(IPAddress? client, IReadOnlyList<BackendSlot>? exclude = null)
    {
        var options = _options;
        var now = _time.GetTimestamp();
        Affinity? sticky = null;
        if (options.SessionAffinityTimeout is { } timeout && client is not null)
        {
            if (_affinity.TryGetValue(client, out sticky))
            {
                var slot = sticky.Slot;
                if (slot.Eligible && !Contains(exclude, slot) && _time.GetElapsedTime(sticky.LastUsed, now) < timeout)
                {
                    sticky.LastUsed = now;
                    slot.MarkSelected();
                    return slot;
                }
            }

            var chosen = Choose(options.Balancing, exclude);
            if (chosen is not null)
            {
                if (sticky is null)
                {
                    _affinity[client] = new Affinity(chosen, now);
                }
                else
                {
                    sticky.Slot = chosen;
                    sticky.LastUsed = now;
                }

                chosen.MarkSelected();
            }

            return chosen;
        }

        var picked = Choose(options.Balancing, exclude);
        picked?.MarkSelected();
        return picked;
    }

    /// <summary>Forgets clients whose affinity timed out.</summary>
    public void ExpireAffinity()
    {
        if (_options.SessionAffinityTimeout is not { } timeout || _affinity.IsEmpty)
        {
            return;
        }

        var now = _time.GetTimestamp();
        foreach (var (client, entry) in _affinity)
        {
            if (_time.GetElapsedTime(entry.LastUsed, now) >= timeout)
            {
                _affinity.TryRemove(client, out _);
            }
        }
    }

    private BackendSlot? Choose(BalancingMode mode, IReadOnlyList<BackendSlot>? exclude)
    {
        var slots = _slots;
        if (slots.Length == 0)
        {
            return null;
        }

        var turn = (ulong)Interlocked.Increment(ref _turn);
        return mode == BalancingMode.RoundRobin ? RoundRobin(slots, exclude, turn) : LeastConnections(slots, exclude, turn);
    }

    private static BackendSlot? LeastConnections(BackendSlot[] slots, IReadOnlyList<BackendSlot>? exclude, ulong turn)
    {
        // Start at a rotating index so that equal scores (the common idle case) spread evenly.
        var start = (int)(turn % (ulong)slots.Length);
        BackendSlot? best = null;
        long bestActive = 0;
        long bestWeight = 1;
        for (var i = 0; i < slots.Length; i++)
        {
            var s = slots[(start + i) % slots.Length];
            if (!s.Eligible || Contains(exclude, s))
            {
                continue;
            }

            long active = s.Active;
            long weight = Math.Max(1, s.Weight);
            // active/weight < bestActive/bestWeight without division.
            if (best is null || active * bestWeight < bestActive * weight)
            {
                best = s;
                bestActive = active;
                bestWeight = weight;
            }
        }

        return best;
    }

    private static BackendSlot? RoundRobin(BackendSlot[] slots, IReadOnlyList<BackendSlot>? exclude, ulong turn)
    {
        long total = 0;
        foreach (var s in slots)
        {
            if (s.Eligible && !Contains(exclude, s))
            {
                total += Math.Max(1, s.Weight);
            }
        }

        if (total == 0)
        {
            return null;
        }

        var point = (long)(turn % (ulong)total);
        foreach (var s in slots)
        {
            if (!s.Eligible || Contains(exclude, s))
            {
                continue;
            }

            point -= Math.Max(1, s.Weight);
            if (point < 0)
            {
                return s;
            }
        }

        return null;
    }

    private static bool Contains(IReadOnlyList<BackendSlot>? list, BackendSlot slot)
    {
        if (list is null)
        {
            return false;
        }

        for (var i = 0; i < list.Count; i++)
        {
            if (ReferenceEquals(list[i], slot))
            {
                return true;
            }
        }

        return false;
    }

    private sealed class Affinity(BackendSlot slot, long lastUsed)
    {
        public BackendSlot Slot { get; set; } = slot;

        public long LastUsed { get; set; } = lastUsed;
    }
}
