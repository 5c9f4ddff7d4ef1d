namespace EdgeLB.Core.Allocation;

/// <summary><c>spec.ipFamilyPolicy</c>.</summary>
public enum IPFamilyPolicy
{
    SingleStack,
    PreferDualStack,
    RequireDualStack,
}
