namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>A test that needs a real <c>helm</c> on PATH; skipped with the reason where there is none.</summary>
public sealed class HelmFactAttribute : FactAttribute
{
    public static string? Path { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => System.IO.Path.Combine(dir, "helm"))
        .FirstOrDefault(File.Exists);

    public HelmFactAttribute()
    {
        if (Path is null)
        {
            Skip = "helm is not on PATH (no Debian package; install it to compare `helm template` with kustomize)";
        }
    }
}
