using EdgeLB.Core.Pools;

namespace EdgeLB.Core.Tests.Pools;

public class PoolValidatorTests
{
    [Fact]
    public void Validate_ReportsEveryProblemAtOnce_WithFieldPaths()
    {
        var spec = new PoolSpec(
            "lan",
            ["198.18.0.0/24", "198.18.0.300", "198.18.0.10-198.18.0.20", "2001:db8::/129"],
            ServiceAllocation: new ServiceAllocationSpec(
                Priority: -1,
                Namespaces: ["shop", "Bad_NS"],
                NamespaceSelectors: [new LabelSelectorSpec(MatchExpressions: [new("team", "Within", ["web"])])],
                ServiceSelectors: [new LabelSelectorSpec(MatchLabels: new Dictionary<string, string> { ["-bad"] = "x" })]));

        var (pool, problems) = PoolValidator.Validate(spec);

        Assert.Null(pool);
        Assert.Equal(
            [
                "spec.addresses[1]: \"198.18.0.300\" is not an IP address",
                "spec.addresses[2]: \"198.18.0.10-198.18.0.20\" overlaps spec.addresses[0] of the same pool",
                "spec.addresses[3]: \"2001:db8::/129\" has an invalid prefix length (0-128 for IPv6)",
                "spec.serviceAllocation.priority: -1 is negative; lower numbers are tried first and 0 means last",
                "spec.serviceAllocation.namespaces[1]: \"Bad_NS\" is not a valid namespace name (a DNS label: lowercase alphanumerics and '-')",
                "spec.serviceAllocation.namespaceSelectors[0].matchExpressions[0].operator: \"Within\" is not one of In, NotIn, Exists, DoesNotExist",
                "spec.serviceAllocation.serviceSelectors[0].matchLabels: \"-bad\": the name part must be 1-63 characters of [A-Za-z0-9_.-], starting and ending with an alphanumeric",
            ],
            problems.Select(p => p.ToString()));
    }

    [Fact]
    public void Validate_EmptyAddresses_IsAProblem()
    {
        var (_, problems) = PoolValidator.Validate(new PoolSpec("empty", []));
        Assert.Equal("spec.addresses: must list at least one address range", Assert.Single(problems).ToString());
    }

    [Fact]
    public void Validate_Defaults_AutoAssignOnAndBuggyAllowed()
    {
        var (pool, problems) = PoolValidator.Validate(new PoolSpec("lan", ["198.18.0.0/30"]));
        Assert.Empty(problems);
        Assert.True(pool!.AutoAssign);
        Assert.False(pool.AvoidBuggyIPs);
        Assert.False(pool.HasAllocationPolicy);
    }

    [Fact]
    public void Validate_InAndExistsValueRules()
    {
        var spec = new PoolSpec("p", ["198.18.0.0/30"], ServiceAllocation: new(ServiceSelectors:
        [
            new LabelSelectorSpec(MatchExpressions: [new("a", "In", []), new("b", "Exists", ["x"])]),
        ]));
        var (_, problems) = PoolValidator.Validate(spec);
        Assert.Equal(
            [
                "spec.serviceAllocation.serviceSelectors[0].matchExpressions[0].values: must not be empty for In",
                "spec.serviceAllocation.serviceSelectors[0].matchExpressions[1].values: must be empty for Exists",
            ],
            problems.Select(p => p.ToString()));
    }

    [Fact]
    public void Allows_NamespacesOrNamespaceSelectors_AndServiceSelectors()
    {
        var spec = new PoolSpec("p", ["198.18.0.0/30"], ServiceAllocation: new(
            Namespaces: ["shop"],
            NamespaceSelectors: [new LabelSelectorSpec(MatchLabels: new Dictionary<string, string> { ["team"] = "web" })],
            ServiceSelectors: [new LabelSelectorSpec(MatchExpressions: [new("exposure", "In", ["public"])])]));
        var pool = PoolValidator.Validate(spec).Pool!;
        var none = new Dictionary<string, string>();
        var publicSvc = new Dictionary<string, string> { ["exposure"] = "public" };
        var web = new Dictionary<string, string> { ["team"] = "web" };

        Assert.True(pool.Allows("shop", none, publicSvc));
        Assert.True(pool.Allows("other", web, publicSvc));
        Assert.False(pool.Allows("other", none, publicSvc));
        Assert.False(pool.Allows("shop", none, none));
    }
}
