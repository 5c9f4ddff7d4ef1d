using EdgeLB.Core.Addresses;
using EdgeLB.Core.Election;

namespace EdgeLB.Core.Tests.Election;

public class AnnouncerElectionTests
{
    internal const int Vips = 10_000;

    internal static List<ElectionCandidate> Nodes(int count, int offset = 0) =>
        [.. Enumerable.Range(offset, count).Select(i => new ElectionCandidate($"node-{i}"))];

    internal static IEnumerable<string> Keys() =>
        Enumerable.Range(0, Vips).Select(i => new IPValue(IPFamily.IPv4, (UInt128)(0xC6120000u + (uint)i)).ToString());

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(100)]
    public void Elect_RemovingANode_MovesOnlyItsVips(int nodeCount)
    {
        var nodes = Nodes(nodeCount);
        var gone = nodes[nodeCount / 2];
        var rest = nodes.Where(n => n != gone).ToList();
        var moved = 0;
        foreach (var key in Keys())
        {
            var before = AnnouncerElection.Elect(key, nodes);
            var after = AnnouncerElection.Elect(key, rest);
            if (before != after)
            {
                Assert.Equal(gone.Node, before);
                moved++;
            }
        }

        Assert.True(moved > 0);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(100)]
    public void Elect_AddingANode_MovesAboutOneInNPlusOne_AllToTheNewNode(int nodeCount)
    {
        var nodes = Nodes(nodeCount);
        var grown = nodes.Append(new ElectionCandidate("node-new")).ToList();
        var moved = 0;
        foreach (var key in Keys())
        {
            var before = AnnouncerElection.Elect(key, nodes);
            var after = AnnouncerElection.Elect(key, grown);
            if (before != after)
            {
                Assert.Equal("node-new", after);
                moved++;
            }
        }

        var expected = (double)Vips / (nodeCount + 1);
        Assert.InRange(moved, expected * 0.7, expected * 1.3);
    }

    [Fact]
    public void Elect_IsDeterministic_AndIndependentOfCandidateOrder()
    {
        var nodes = Nodes(10);
        var reversed = Enumerable.Reverse(nodes).ToList();
        foreach (var key in Keys().Take(500))
        {
            Assert.Equal(AnnouncerElection.Elect(key, nodes), AnnouncerElection.Elect(key, reversed));
        }

        Assert.Equal(AnnouncerElection.Elect("198.18.0.1", nodes), AnnouncerElection.Elect("198.18.0.1", Nodes(10)));
    }

    [Fact]
    public void Elect_NoCandidatesOrOnlyZeroWeights_ElectsNobody()
    {
        Assert.Null(AnnouncerElection.Elect("198.18.0.1", []));
        Assert.Null(AnnouncerElection.Elect("198.18.0.1", [new ElectionCandidate("n", 0)]));
    }

    [Fact]
    public void Elect_WeightTwo_WinsAboutTwiceAsOften()
    {
        List<ElectionCandidate> nodes = [new("heavy", 2), new("a"), new("b")];
        var heavy = Keys().Count(k => AnnouncerElection.Elect(k, nodes) == "heavy");
        Assert.InRange(heavy, Vips * 0.5 * 0.9, Vips * 0.5 * 1.1);
    }

    [Fact]
    public void KeyFor_DualStackAndSharedAddresses_ShareOneKey()
    {
        var v4 = IPValue.Parse("198.18.0.7");
        var v6 = IPValue.Parse("2001:db8::7");
        Assert.Equal("198.18.0.7", AnnouncerElection.KeyFor([v6, v4]));
        Assert.Equal(AnnouncerElection.KeyFor([v4]), AnnouncerElection.KeyFor([v4, v6]));
        Assert.Equal("2001:db8::7", AnnouncerElection.KeyFor([v6]));
    }

    [Fact]
    public void Rank_PutsTheElectedNodeFirst_AndListsEveryCandidate()
    {
        var nodes = Nodes(5);
        var ranking = AnnouncerElection.Rank("198.18.0.9", nodes);
        Assert.Equal(AnnouncerElection.Elect("198.18.0.9", nodes), ranking[0].Node);
        Assert.Equal(5, ranking.Count);
        Assert.True(ranking.Zip(ranking.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }
}
