using EdgeLB.Speaker.Health;

namespace EdgeLB.Speaker.Tests.Health;

public sealed class HealthStateMachineTests
{
    [Fact]
    public void FallFailuresInARow_TakeItDown_AndRisePassesInARow_BringItBack()
    {
        var m = new HealthStateMachine(rise: 2, fall: 3);
        Assert.Equal(HealthState.Up, m.State);

        Assert.False(m.Record(false));
        Assert.False(m.Record(false));
        Assert.False(m.Record(true)); // a pass in between resets the count
        Assert.False(m.Record(false));
        Assert.False(m.Record(false));
        Assert.True(m.Record(false));
        Assert.Equal(HealthState.Down, m.State);

        Assert.False(m.Record(true));
        Assert.False(m.Record(false)); // resets the passes
        Assert.False(m.Record(true));
        Assert.True(m.Record(true));
        Assert.Equal(HealthState.Up, m.State);
    }
}
