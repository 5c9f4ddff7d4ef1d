using EdgeLB.Fuzz.Frames;
using EdgeLB.Fuzz.Objects;
using EdgeLB.Fuzz.Sessions;
using Xunit.Abstractions;

namespace EdgeLB.Fuzz.Tests;

/// <summary>
/// A short seeded run of every fuzz target, so each build exercises them (hack/fuzz.sh runs 100,000
/// cases each). Each also checks that the inputs reached the code past its first rejections.
/// </summary>
public sealed class FuzzSmokeTests(ITestOutputHelper output)
{
    private const long Cases = 2000;
    private const ulong Seed = 20261207;

    [Fact]
    public void Frames_NoCrash_AndBothArpAndNeighborDiscoveryDecode()
    {
        var target = new FrameTarget();
        var result = FuzzRunner.Run(target, Cases, Seed, output.WriteLine);
        Assert.True(result.Crashes == 0, string.Join("\n", result.Findings));
        Assert.Equal(Cases, result.Cases);
        Assert.Contains("Arp ", target.Summary(), StringComparison.Ordinal);
        Assert.Contains("NeighborAdvertisement ", target.Summary(), StringComparison.Ordinal);
        Assert.Contains("Icmpv6ChecksumMismatch", target.Summary(), StringComparison.Ordinal);
    }

    /// <summary>No exception escapes the coordinator, no case hangs, and no epoch invariant breaks.</summary>
    [Fact]
    public void ControllerSession_NoCrashOrBrokenInvariant_AndAssignmentsAreHandedOut()
    {
        var target = new ControllerSessionTarget();
        var result = FuzzRunner.Run(target, Cases, Seed, output.WriteLine);
        Assert.True(result.Crashes == 0, string.Join("\n", result.Findings));
        Assert.Contains("assignment sent", target.Summary(), StringComparison.Ordinal);
        Assert.Contains("bytes parsed", target.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void Objects_NoCrash_AndSomeServicesGetAddresses()
    {
        var target = new ObjectTarget();
        var result = FuzzRunner.Run(target, Cases, Seed, output.WriteLine);
        Assert.True(result.Crashes == 0, string.Join("\n", result.Findings));
        Assert.Contains("assigned: got addresses", target.Summary(), StringComparison.Ordinal);
        Assert.Contains("pool valid", target.Summary(), StringComparison.Ordinal);
    }
}
