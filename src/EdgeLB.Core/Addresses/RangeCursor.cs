namespace EdgeLB.Core.Addresses;

/// <summary>
/// Finds the lowest free slot of one range in O(log n) without ever enumerating the range:
/// everything at or above <see cref="_mark"/> has never been handed out by this cursor, and every
/// slot below it that came back is in a min-heap. Slots taken from elsewhere (requested IPs,
/// re-learned ones) are skipped lazily through <c>isTaken</c>. Memory is proportional to what was
/// handed out, never to the size of the range: a /64 costs the same as a /30.
/// </summary>
internal sealed class RangeCursor
{
    private readonly PriorityQueue<UInt128, UInt128> _returned = new();
    private readonly HashSet<UInt128> _queued = [];
    private readonly UInt128 _first;
    private readonly UInt128 _last;
    private UInt128 _mark;
    private bool _exhausted;

    public RangeCursor(UInt128 firstSlot, UInt128 lastSlot)
    {
        _first = firstSlot;
        _last = lastSlot;
        _mark = firstSlot;
    }

    /// <summary>The lowest slot not taken, or null when every slot is taken.</summary>
    public UInt128? Peek(Func<UInt128, bool> isTaken)
    {
        while (_returned.TryPeek(out var slot, out _))
        {
            if (!isTaken(slot))
            {
                return slot;
            }

            _returned.Dequeue();
            _queued.Remove(slot);
        }

        while (!_exhausted && isTaken(_mark))
        {
            Advance();
        }

        return _exhausted ? null : _mark;
    }

    /// <summary>Records that the slot <see cref="Peek"/> returned is now taken.</summary>
    public void Take(UInt128 slot)
    {
        if (_returned.TryPeek(out var top, out _) && top == slot)
        {
            _returned.Dequeue();
            _queued.Remove(slot);
        }
        else if (!_exhausted && slot == _mark)
        {
            Advance();
        }
    }

    /// <summary>Records that a slot of this range is free again.</summary>
    public void Return(UInt128 slot)
    {
        if (slot < _first || slot > _last)
        {
            return;
        }

        // At or above the mark the cursor will meet it anyway.
        if ((_exhausted || slot < _mark) && _queued.Add(slot))
        {
            _returned.Enqueue(slot, slot);
        }
    }

    private void Advance()
    {
        if (_mark == _last)
        {
            _exhausted = true;
        }
        else
        {
            _mark++;
        }
    }
}
