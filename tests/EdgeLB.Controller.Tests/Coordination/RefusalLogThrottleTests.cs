using EdgeLB.Controller.Coordination;
using EdgeLB.Testing;

namespace EdgeLB.Controller.Tests.Coordination;

public sealed class RefusalLogThrottleTests
{
    [Fact]
    public void OneLinePerInterval_ThenTheCountOfThoseLeftOut()
    {
        var clock = new ManualTimeProvider();
        var throttle = new RefusalLogThrottle(clock);

        Assert.True(throttle.TryLog(out var none));
        Assert.Equal(0, none);
        for (var i = 0; i < 199; i++)
        {
            Assert.False(throttle.TryLog(out _));
        }

        clock.Advance(RefusalLogThrottle.Interval);
        Assert.True(throttle.TryLog(out var suppressed));
        Assert.Equal(199, suppressed);
        Assert.False(throttle.TryLog(out _));
    }
}
