using EdgeLB.Rpc.Contract;
using Google.Protobuf.WellKnownTypes;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace EdgeLB.Rpc.Tests;

/// <summary>
/// Durations and timestamps from a peer, as the fuzzer found them (the protobuf conversions threw on
/// them inside Coordinator.Drain/Heartbeat and would in the speaker's Configuration handling).
/// </summary>
public sealed class WireTimeTests
{
    [Theory]
    [InlineData(-5_838_933_234_521_850L, -2037)] // seconds beyond the Duration range (the minimized DrainRequest)
    [InlineData(1L, -1)] // signs differ
    [InlineData(-1L, 1)]
    [InlineData(0L, 1_000_000_000)] // nanoseconds out of range
    public void InvalidDuration_ReadsAsAbsent(long seconds, int nanos) =>
        Assert.Null(new Duration { Seconds = seconds, Nanos = nanos }.ToTimeSpanOrNull());

    [Fact]
    public void LongestValidDuration_IsCutToWhatATimerAccepts() =>
        Assert.Equal(WireTime.Longest, new Duration { Seconds = 315_576_000_000 }.ToTimeSpanOrNull());

    [Fact]
    public void OrdinaryDuration_ReadsAsItIs() =>
        Assert.Equal(TimeSpan.FromMilliseconds(1500), Duration.FromTimeSpan(TimeSpan.FromMilliseconds(1500)).ToTimeSpanOrNull());

    [Fact]
    public void MissingDuration_ReadsAsAbsent() => Assert.Null(((Duration?)null).ToTimeSpanOrNull());

    [Theory]
    [InlineData(13_811_011_850_914_342L, -74_554_130)] // the minimized Heartbeat's last_garp
    [InlineData(-62_135_596_801L, 0)] // before year 1
    [InlineData(0L, -1)]
    public void InvalidTimestamp_ReadsAsAbsent(long seconds, int nanos) =>
        Assert.Null(new Timestamp { Seconds = seconds, Nanos = nanos }.ToDateTimeOffsetOrNull());

    [Fact]
    public void ValidTimestamp_ReadsAsItIs() =>
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1), new Timestamp { Seconds = 1 }.ToDateTimeOffsetOrNull());
}
