using EdgeLB.Core.Election;
using static EdgeLB.Core.Tests.Election.AnnouncerElectionTests;

namespace EdgeLB.Core.Tests.Election;

public class AnnouncerBalancerTests
{
    private static List<ElectionItem> Items(IReadOnlyList<ElectionCandidate> nodes) =>
        [.. Keys().Select(k => new ElectionItem(k, nodes))];

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(100)]
    public void Assign_SpreadsVipsWithin15PercentOfEven(int nodeCount)
    {
        var assignment = AnnouncerBalancer.Assign(Items(Nodes(nodeCount)));
        Assert.Equal(Vips, assignment.Count);
        var even = (double)Vips / nodeCount;
        var counts = assignment.Values.GroupBy(n => n).Select(g => g.Count()).ToList();
        Assert.Equal(nodeCount, counts.Count);
        Assert.All(counts, c => Assert.InRange(c, even * 0.85, even * 1.15));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(100)]
    public void Assign_RemovingANode_MovesOnlyTheVipsItHeld(int nodeCount)
    {
        var nodes = Nodes(nodeCount);
        var before = AnnouncerBalancer.Assign(Items(nodes));
        var gone = nodes[nodeCount / 2].Node;
        var after = AnnouncerBalancer.Assign(Items([.. nodes.Where(n => n.Node != gone)]), before);

        var moved = before.Where(kv => after[kv.Key] != kv.Value).ToList();
        Assert.All(moved, kv => Assert.Equal(gone, kv.Value));
        Assert.Equal(before.Count(kv => kv.Value == gone), moved.Count);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(100)]
    public void Assign_AddingANode_MovesAtMostAboutOneInNPlusOne_ToTheNewNode(int nodeCount)
    {
        var nodes = Nodes(nodeCount);
        var before = AnnouncerBalancer.Assign(Items(nodes));
        var after = AnnouncerBalancer.Assign(Items([.. nodes, new ElectionCandidate("node-new")]), before);

        var moved = before.Where(kv => after[kv.Key] != kv.Value).ToList();
        var share = (double)Vips / (nodeCount + 1);
        Assert.InRange(moved.Count, share * 0.9, share * 1.1);
        Assert.All(moved, kv => Assert.Equal("node-new", after[kv.Key]));
    }

    [Fact]
    public void Assign_IsStable_WhenNothingChanges()
    {
        var items = Items(Nodes(10));
        var first = AnnouncerBalancer.Assign(items);
        Assert.Equal(first, AnnouncerBalancer.Assign(items, first));
    }

    [Fact]
    public void Assign_ConstrainedKeysGetTheirEligibleNodes_AndKeysWithNoneAreLeftOut()
    {
        var all = Nodes(3);
        var onlyNode2 = new List<ElectionCandidate> { all[2] };
        List<ElectionItem> items =
        [
            .. Keys().Take(30).Select(k => new ElectionItem(k, all)),
            new ElectionItem("local-only", onlyNode2),
            new ElectionItem("dark", []),
        ];
        var assignment = AnnouncerBalancer.Assign(items);
        Assert.Equal("node-2", assignment["local-only"]);
        Assert.False(assignment.ContainsKey("dark"));
        Assert.Equal(31, assignment.Count);
    }

    [Fact]
    public void Assign_FollowsWeights()
    {
        List<ElectionCandidate> nodes = [new("big", 3), new("small", 1)];
        var assignment = AnnouncerBalancer.Assign(Items(nodes));
        Assert.Equal(Vips * 3 / 4, assignment.Values.Count(n => n == "big"));
    }

    [Fact]
    public void Assign_AHolderThatBecameIneligibleLosesItsKey()
    {
        var nodes = Nodes(3);
        var current = new Dictionary<string, string> { ["198.18.0.1"] = "node-0" };
        var assignment = AnnouncerBalancer.Assign([new ElectionItem("198.18.0.1", [nodes[1], nodes[2]])], current);
        Assert.NotEqual("node-0", assignment["198.18.0.1"]);
    }
}
