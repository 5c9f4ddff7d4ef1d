using Google.Protobuf.WellKnownTypes;

namespace EdgeLB.Rpc.Contract;

/// <summary>
/// Durations and timestamps from the other end of a session, read without trusting them: the
/// protobuf conversions throw on values outside their range (nanoseconds of the wrong sign, seconds
/// beyond 10,000 years), and a valid but enormous duration overflows the clock arithmetic and the
/// timers it feeds. Such a field reads as absent, so each caller's default for a missing one applies.
/// </summary>
public static class WireTime
{
    /// <summary>The longest wait a .NET timer accepts (about 49.7 days), rounded down: a longer duration is cut to it.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(49);

    private const long MaxDurationSeconds = 315_576_000_000;
    private const long MinTimestampSeconds = -62_135_596_800; // 0001-01-01T00:00:00Z
    private const long MaxTimestampSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z

    /// <summary>The duration within ±<see cref="Longest"/>, or null when it is missing or not a valid protobuf Duration.</summary>
    public static TimeSpan? ToTimeSpanOrNull(this Duration? duration)
    {
        if (duration is null
            || duration.Seconds is < -MaxDurationSeconds or > MaxDurationSeconds
            || duration.Nanos is <= -1_000_000_000 or >= 1_000_000_000
            || (duration.Seconds < 0 && duration.Nanos > 0) || (duration.Seconds > 0 && duration.Nanos < 0))
        {
            return null;
        }

        var value = duration.ToTimeSpan();
        return value > Longest ? Longest : value < -Longest ? -Longest : value;
    }

    /// <summary>The instant, or null when it is missing or not a valid protobuf Timestamp.</summary>
    public static DateTimeOffset? ToDateTimeOffsetOrNull(this Timestamp? timestamp) =>
        timestamp is null || timestamp.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || timestamp.Nanos is < 0 or >= 1_000_000_000
            ? null
            : timestamp.ToDateTimeOffset();
}
