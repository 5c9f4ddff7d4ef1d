namespace EdgeLB.Core.Addresses;

/// <summary>
/// Numbers the usable addresses of a range consecutively ("slots"). Without <c>avoidBuggyIPs</c> a
/// slot is the address itself; with it, IPv4 addresses ending in .0 or .255 get no slot, so counting
/// and searching never have to step over them.
/// </summary>
public readonly record struct SlotMap(IPFamily Family, bool AvoidBuggy)
{
    private const int UsablePerBlock = 254;

    public static SlotMap For(IPFamily family, bool avoidBuggyIPs) => new(family, avoidBuggyIPs && family == IPFamily.IPv4);

    public static bool IsBuggy(IPValue address) =>
        address.Family == IPFamily.IPv4 && (byte)(address.Value & 0xff) is 0 or 0xff;

    public bool IsUsable(IPValue address) => !AvoidBuggy || !IsBuggy(address);

    public UInt128 ToSlot(IPValue address)
    {
        if (!AvoidBuggy)
        {
            return address.Value;
        }

        return (address.Value >> 8) * UsablePerBlock + (address.Value & 0xff) - 1;
    }

    public IPValue ToAddress(UInt128 slot)
    {
        if (!AvoidBuggy)
        {
            return new IPValue(Family, slot);
        }

        return new IPValue(Family, ((slot / UsablePerBlock) << 8) | ((slot % UsablePerBlock) + 1));
    }

    /// <summary>The slots of a range's usable addresses, or null when it has none.</summary>
    public (UInt128 First, UInt128 Last)? SlotsOf(IPRange range)
    {
        if (!AvoidBuggy)
        {
            return range.FirstUsable <= range.Last ? (range.FirstUsable, range.Last) : null;
        }

        var first = range.First;
        var last = range.Last;
        var low = (byte)(first & 0xff);
        first += low == 0 ? 1u : low == 0xff ? 2u : 0u;
        if ((last & 0xff) == 0xff)
        {
            last -= 1;
        }
        else if ((last & 0xff) == 0)
        {
            if (last < 2)
            {
                return null;
            }

            last -= 2;
        }

        if (first > last || first > range.Last)
        {
            return null;
        }

        return (ToSlot(new IPValue(Family, first)), ToSlot(new IPValue(Family, last)));
    }

    /// <summary>How many usable addresses a range has.</summary>
    public UInt128 UsableCount(IPRange range) => SlotsOf(range) is { } s ? s.Last - s.First + 1 : UInt128.Zero;
}
