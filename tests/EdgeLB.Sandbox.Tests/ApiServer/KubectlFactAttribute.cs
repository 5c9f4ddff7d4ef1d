namespace EdgeLB.Sandbox.Tests.ApiServer;

/// <summary>A fact that needs the real kubectl; skipped where none is installed.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public const string Path = "/usr/bin/kubectl";

    public KubectlFactAttribute()
    {
        if (!File.Exists(Path))
        {
            Skip = $"{Path} is not installed";
        }
    }
}
