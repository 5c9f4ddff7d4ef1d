namespace EdgeLB.Sandbox.Lab;

/// <summary>A process an earlier lab run left behind: its PID and command line.</summary>
public sealed record LeftoverProcess(int Pid, string Command);
