using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Sandbox.Tests.Lab;

/// <summary>
/// A fact that starts lab processes in network namespaces and relies on their parent-death signal;
/// skipped (with the reason) without root and iproute2, or without setpriv.
/// </summary>
public sealed class LabFactAttribute : FactAttribute
{
    public LabFactAttribute() =>
        Skip = !NetworkLab.IsSupported ? "needs Linux, root and iproute2 for network namespaces"
            : !LabProcess.SetsParentDeathSignal ? "needs setpriv (util-linux) for the parent-death signal"
            : null;
}
