using EdgeLB.Commands;
using EdgeLB.Rpc.Contract.V1;
using Google.Protobuf.WellKnownTypes;

namespace EdgeLB.Tests;

public sealed class StateFormatterTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Status_PrintsOneAlignedRowPerVip_WithAgesRelativeToTheObservation()
    {
        var text = StateFormatter.Status(State());
        var lines = text.Split(Environment.NewLine);

        Assert.Equal("Controller edgelb-controller-0 (leader)", lines[0]);
        Assert.Equal("VIP          SERVICES               NODE    INTERFACE  EPOCH  LEASE AGE  LAST ANNOUNCED  STATE", lines[1]);
        Assert.Equal("198.18.0.10  shop/web,shop/web-udp  node-a  eth0       7      350ms      4.0s ago        announced", lines[2]);
        Assert.Equal("198.18.0.11  shop/api               -       -          -      -          never           no healthy node", lines[3]);
        Assert.Contains("node-a   0.3.1    ok      100ms ago       no", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_OfAFollower_SaysItsViewMayBeOld()
    {
        var state = State();
        state.Leader = false;
        Assert.StartsWith("Controller edgelb-controller-0 is not the leader", StateFormatter.Status(state), StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_SaysWhyTheChosenNodeAndWhyNotEachOther()
    {
        var text = StateFormatter.Explain(State(), "shop/web");

        Assert.NotNull(text);
        var lines = text.Split(Environment.NewLine);
        Assert.Equal("198.18.0.10 (IPv4, pool lan) for shop/web, shop/web-udp: announced by node-a on eth0, epoch 7", lines[1]);
        Assert.Equal("  node-a  chosen (rank 1 of 3)", lines[2]);
        Assert.Equal("  node-b  not chosen: eligible, but another node ranked higher (rank 2 of 3)", lines[3]);
        Assert.Equal("  node-c  not chosen: no open session with the controller", lines[4]);
    }

    [Fact]
    public void Explain_UnknownService_IsNull() => Assert.Null(StateFormatter.Explain(State(), "shop/nothing"));

    [Fact]
    public void ExplainAddress_NamesEveryServiceHoldingTheVip()
    {
        // What an operator runs for a tenant's "198.18.0.10 is held by another Service".
        var text = StateFormatter.ExplainAddress(State(), System.Net.IPAddress.Parse("198.18.0.10"));

        Assert.NotNull(text);
        Assert.Equal("198.18.0.10 (IPv4, pool lan) for shop/web, shop/web-udp: announced by node-a on eth0, epoch 7", text.Split(Environment.NewLine)[1]);
        Assert.Null(StateFormatter.ExplainAddress(State(), System.Net.IPAddress.Parse("198.18.0.99")));
    }

    [Theory]
    [InlineData(350, "350ms")]
    [InlineData(4_200, "4.2s")]
    [InlineData(185_000, "3m05s")]
    [InlineData(7_800_000, "2h10m")]
    [InlineData(-5, "0ms")]
    public void Age_IsShortAndHuman(int milliseconds, string expected) =>
        Assert.Equal(expected, StateFormatter.Age(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void EveryRejectionReason_HasItsOwnExplanation()
    {
        var texts = System.Enum.GetValues<RejectionReason>().Where(r => r != RejectionReason.Unspecified).Select(StateFormatter.ReasonText).ToList();
        Assert.Equal(texts.Count, texts.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain("reason not known", texts);
    }

    private static GetStateResponse State()
    {
        var announced = new VipState
        {
            Address = "198.18.0.10",
            Family = AddressFamily.Ipv4,
            Pool = "lan",
            Services = { "shop/web", "shop/web-udp" },
            Node = "node-a",
            Interface = "eth0",
            Epoch = 7,
            LeaseAge = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(350)),
            LastGarp = Timestamp.FromDateTimeOffset(Now - TimeSpan.FromSeconds(4)),
            Summary = "announced",
            Candidates =
            {
                new Candidate { Node = "node-a", Chosen = true, Detail = "rank 1 of 3" },
                new Candidate { Node = "node-b", Reason = RejectionReason.LowerRank, Detail = "rank 2 of 3" },
                new Candidate { Node = "node-c", Reason = RejectionReason.NoSession },
            },
        };
        var dark = new VipState { Address = "198.18.0.11", Family = AddressFamily.Ipv4, Pool = "lan", Services = { "shop/api" }, Summary = "no healthy node" };
        return new GetStateResponse
        {
            ObservedAt = Timestamp.FromDateTimeOffset(Now),
            Controller = "edgelb-controller-0",
            Leader = true,
            Vips = { announced, dark },
            Speakers = { new SpeakerState { Node = "node-a", Version = "0.3.1", Health = Health.Ok, LastHeartbeat = Timestamp.FromDateTimeOffset(Now - TimeSpan.FromMilliseconds(100)) } },
        };
    }
}
