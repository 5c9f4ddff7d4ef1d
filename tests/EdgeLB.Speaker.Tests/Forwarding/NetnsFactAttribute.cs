using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Speaker.Tests.Forwarding;

/// <summary>A fact that needs root and network namespaces; skipped with the reason elsewhere.</summary>
internal sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute()
    {
        if (!NetworkLab.IsSupported)
        {
            Skip = "needs root, Linux network namespaces and iproute2";
        }
    }
}
