using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Speaker.Tests;

/// <summary>A fact that needs root and network namespaces; skipped (with the reason) where they are missing.</summary>
public sealed class NetworkFactAttribute : FactAttribute
{
    public NetworkFactAttribute()
    {
        if (!NetworkLab.IsSupported)
        {
            Skip = "needs Linux, root and iproute2 for network namespaces";
        }
    }
}
