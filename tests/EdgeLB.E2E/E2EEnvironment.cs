using EdgeLB.Sandbox.Lab;

namespace EdgeLB.E2E;

/// <summary>
/// Where the end-to-end tests run: against the cluster of <c>EDGELB_E2E_KUBECONFIG</c> when it is
/// set, else in the network-namespace lab (root, iproute2, and the edgelb executable built beside
/// these tests). Decided once per test run; the reasons become skip messages.
/// </summary>
internal static class E2EEnvironment
{
    public const string KubeconfigVariable = "EDGELB_E2E_KUBECONFIG";

    /// <summary>
    /// Set to 0 to skip the scenarios that need speakers carrying traffic (they are on by default), or
    /// to "all" to run also those skipped for a known problem.
    /// </summary>
    public const string DataPlaneVariable = "EDGELB_E2E_DATAPLANE";

    private static readonly Lazy<bool> HasSpeaker = new(() =>
        Edgelb is { } path && LabCluster.HasCommandAsync(path, "speaker").GetAwaiter().GetResult());

    /// <summary>The real cluster's kubeconfig, or null for the lab.</summary>
    public static string? ClusterKubeconfig => Environment.GetEnvironmentVariable(KubeconfigVariable) is { Length: > 0 } path ? path : null;

    /// <summary>The edgelb executable of this build (same configuration as the tests), or null.</summary>
    public static string? Edgelb
    {
        get
        {
            // bin/<Configuration>/<tfm>/ of this project → the same under src/EdgeLB.
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var configuration = output.Parent?.Name ?? "Release";
            for (var dir = output; dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "EdgeLB.sln")))
                {
                    var path = Path.Combine(dir.FullName, "src", "EdgeLB", "bin", configuration, output.Name, "edgelb");
                    return File.Exists(path) ? path : null;
                }
            }

            return null;
        }
    }

    /// <summary>Whether scenarios marked with a known problem run anyway.</summary>
    public static bool RunKnownProblems => Environment.GetEnvironmentVariable(DataPlaneVariable) == "all";

    /// <summary>Why no test can run here, or null.</summary>
    public static string? SkipReason =>
        ClusterKubeconfig is not null ? null
        : !NetworkLab.IsSupported ? $"the network-namespace lab needs Linux, root and iproute2; set {KubeconfigVariable} to run against a cluster"
        : Edgelb is null ? "the edgelb executable is not built (dotnet build src/EdgeLB)"
        : null;

    /// <summary>Why tests that need speakers and the lab's fault injection cannot run here, or null.</summary>
    public static string? DataPlaneSkipReason =>
        SkipReason
        ?? (ClusterKubeconfig is not null ? $"needs the network-namespace lab (client namespace, fault injection); {KubeconfigVariable} is set"
        : !HasSpeaker.Value ? "this build of edgelb has no speaker command yet"
        : Environment.GetEnvironmentVariable(DataPlaneVariable) == "0" ? $"{DataPlaneVariable}=0: the scenarios that need speakers carrying traffic are switched off"
        : null);
}
