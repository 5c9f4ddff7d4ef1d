namespace EdgeLB.Kubernetes.Configuration;

/// <summary>A user's <c>exec</c> credential plugin, as written in the kubeconfig.</summary>
internal sealed record ExecConfig
{
    public required string ApiVersion { get; init; }

    public required string Command { get; init; }

    public IReadOnlyList<string> Args { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];

    public string? InstallHint { get; init; }

    public bool ProvideClusterInfo { get; init; }

    /// <summary>Never, IfAvailable or Always. We never have a terminal, so Always cannot work.</summary>
    public string InteractiveMode { get; init; } = "IfAvailable";

    /// <summary>The kubeconfig file that named the plugin; relative commands resolve against its folder.</summary>
    public required string SourceFile { get; init; }

    /// <summary>The field path, for error messages (users[1].user.exec).</summary>
    public required string FieldPath { get; init; }
}
