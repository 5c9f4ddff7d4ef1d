namespace EdgeLB.Speaker.Health;

/// <summary>
/// Rise/fall hysteresis over check results: <c>fall</c> failures in a row take an up backend down,
/// <c>rise</c> passes in a row bring a down one back. New backends start up, so a Service works at
/// once; a dead one is taken out by its first <c>fall</c> checks and by passive detection meanwhile.
/// Not thread-safe; the owner serializes calls.
/// </summary>
internal sealed class HealthStateMachine(int rise, int fall)
{
    private int _passes;
    private int _failures;

    public HealthState State { get; private set; } = HealthState.Up;

    /// <summary>Records one check result; returns true when the state changed.</summary>
    public bool Record(bool passed)
    {
        if (passed)
        {
            _failures = 0;
            if (State == HealthState.Down && ++_passes >= rise)
            {
                _passes = 0;
                State = HealthState.Up;
                return true;
            }

            return false;
        }

        _passes = 0;
        if (State == HealthState.Up && ++_failures >= fall)
        {
            _failures = 0;
            State = HealthState.Down;
            return true;
        }

        return false;
    }
}
