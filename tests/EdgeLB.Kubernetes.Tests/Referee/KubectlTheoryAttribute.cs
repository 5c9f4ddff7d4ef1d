namespace EdgeLB.Kubernetes.Tests.Referee;

/// <summary>A theory that needs the real kubectl; skipped where none is installed.</summary>
public sealed class KubectlTheoryAttribute : TheoryAttribute
{
    public KubectlTheoryAttribute()
    {
        if (!File.Exists("/usr/bin/kubectl"))
        {
            Skip = "/usr/bin/kubectl is not installed";
        }
    }
}
