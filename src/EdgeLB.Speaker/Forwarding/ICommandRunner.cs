namespace EdgeLB.Speaker.Forwarding;

/// <summary>Runs a system command (iproute2, nft, sysctl); tests prefix it with <c>ip netns exec</c>.</summary>
internal interface ICommandRunner
{
    /// <summary>Runs <paramref name="file"/> to completion and returns its exit code and output.</summary>
    Task<CommandResult> RunAsync(string file, IReadOnlyList<string> args, string? stdin, CancellationToken cancellationToken);
}
