using EdgeLB.Speaker.Hosting;
using EdgeLB.Speaker.Session;

namespace EdgeLB.Speaker.Tests.Hosting;

public sealed class TakeoverWarmupTests
{
    [Fact]
    public async Task RunsEveryStepOfATakeover_ForBothFamilies_WithoutRefusal()
    {
        // Each step checks that it was applied (standby, assignment, announcing, update, revoke,
        // silence) and throws otherwise, so success means the whole path ran.
        var (compiled, took) = await TakeoverWarmup.RunAsync(new SessionOptions { Controllers = [], NodeName = "node-a", TokenFile = "/nonexistent" }, TimeProvider.System, userspaceForwarding: false);

        Assert.True(compiled >= 0);
        Assert.True(took > TimeSpan.Zero);
    }
}
