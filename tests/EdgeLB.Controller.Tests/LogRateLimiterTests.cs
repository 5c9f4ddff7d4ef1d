using EdgeLB.Controller.Observability;
using EdgeLB.Testing;

namespace EdgeLB.Controller.Tests;

public sealed class LogRateLimiterTests
{
    [Fact]
    public void OneLinePerInterval_ThenTheCountOfThoseLeftOut()
    {
        var clock = new ManualTimeProvider();
        var limiter = new LogRateLimiter(TimeSpan.FromSeconds(1), clock);

        Assert.True(limiter.ShouldLog("a", "r", out var none));
        Assert.Equal(0, none);
        for (var i = 0; i < 199; i++)
        {
            Assert.False(limiter.ShouldLog("a", "r", out _));
        }

        clock.Advance(limiter.Interval);
        Assert.True(limiter.ShouldLog("a", "r", out var suppressed));
        Assert.Equal(199, suppressed);
        Assert.False(limiter.ShouldLog("a", "r", out _));
    }

    [Fact]
    public void AnotherKeyOrReason_IsLoggedAtOnce_AndForgettingAKeyStartsItAfresh()
    {
        var limiter = new LogRateLimiter(TimeSpan.FromMinutes(5), new ManualTimeProvider());

        Assert.True(limiter.ShouldLog("a", "r", out _));
        Assert.True(limiter.ShouldLog("b", "r", out _));
        Assert.True(limiter.ShouldLog("a", "other", out var afterOther));
        Assert.Equal(0, afterOther);
        Assert.False(limiter.ShouldLog("a", "other", out _));
        limiter.Forget("a");
        Assert.True(limiter.ShouldLog("a", "other", out var afresh));
        Assert.Equal(0, afresh);
    }
}
