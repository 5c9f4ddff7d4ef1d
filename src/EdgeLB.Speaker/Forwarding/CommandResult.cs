namespace EdgeLB.Speaker.Forwarding;

/// <summary>What a finished command returned.</summary>
internal sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}
