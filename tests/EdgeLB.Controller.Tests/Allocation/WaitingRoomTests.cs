using EdgeLB.Controller.Allocation;
using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;

namespace EdgeLB.Controller.Tests.Allocation;

public sealed class WaitingRoomTests
{
    private static readonly PoolFamily LanV4 = new("lan", IPFamily.IPv4);
    private static readonly PoolFamily LanV6 = new("lan", IPFamily.IPv6);
    private static readonly PoolFamily WanV4 = new("wan", IPFamily.IPv4);

    private static AllocationWait InPools(params PoolFamily[] pools) => new() { Pools = pools };

    private static AllocationChanges Freed(params (PoolFamily Where, int Count)[] freed) =>
        new(freed.ToDictionary(f => f.Where, f => f.Count), [], []);

    [Fact]
    public void AFreedAddress_WakesTheLongestWaitingServiceOfThatPoolAndFamilyOnly()
    {
        var room = new WaitingRoom();
        room.Wait("ns/v6", InPools(LanV6));
        room.Wait("ns/first", InPools(LanV4));
        room.Wait("ns/wan", InPools(WanV4));
        room.Wait("ns/second", InPools(LanV4));

        Assert.Equal(["ns/first"], room.Wake(Freed((LanV4, 1))));
        Assert.Equal(["ns/second"], room.Wake(Freed((LanV4, 1)))); // the first already holds a token
        Assert.Empty(room.Wake(Freed((new PoolFamily("other", IPFamily.IPv4), 3))));
        Assert.Equal(2, room.Wake(Freed((WanV4, 1), (LanV6, 5))).Count);
    }

    [Fact]
    public void AToken_PassesOnWhileTheAddressStaysFree_ToThoseWhoWaitedBeforeIt()
    {
        var room = new WaitingRoom();
        room.Wait("ns/a", InPools(LanV4));
        room.Wait("ns/b", InPools(LanV4));
        Assert.Equal(["ns/a"], room.Wake(Freed((LanV4, 1))));

        // a's turn: refused again (it wants both families now), so it waits again at the back.
        var tokens = room.Begin("ns/a");
        room.Wait("ns/a", InPools(LanV4, LanV6));
        room.Wait("ns/late", InPools(LanV4));
        Assert.Equal(["ns/b"], room.PassOn(tokens, _ => true));

        // b's turn: refused too; a and late came after the address was freed, so nobody is next.
        tokens = room.Begin("ns/b");
        room.Wait("ns/b", InPools(LanV4));
        Assert.Empty(room.PassOn(tokens, _ => true));
    }

    [Fact]
    public void AToken_StopsWhenTheAddressWasTaken()
    {
        var room = new WaitingRoom();
        room.Wait("ns/a", InPools(LanV4));
        room.Wait("ns/b", InPools(LanV4));
        room.Wake(Freed((LanV4, 1)));
        var tokens = room.Begin("ns/a");
        room.Leave("ns/a");
        Assert.Empty(room.PassOn(tokens, _ => false));
        Assert.Empty(room.Begin("ns/a"));
    }

    [Fact]
    public void AddressAndSharingKeyWaiters_WakeOnTheirAddressOrKeyOnly()
    {
        var room = new WaitingRoom();
        var held = IPValue.Parse("198.18.0.3");
        room.Wait("ns/wants-3", new AllocationWait { Addresses = [held] });
        room.Wait("ns/shares-k", new AllocationWait { Pools = [LanV4], SharingKey = "k" });
        room.Wait("ns/bad-annotation", null);

        Assert.Equal(["ns/wants-3"], room.Wake(new AllocationChanges(new Dictionary<PoolFamily, int>(), [held], [])));
        Assert.Empty(room.Wake(new AllocationChanges(new Dictionary<PoolFamily, int>(), [IPValue.Parse("198.18.0.4")], ["other"])));
        Assert.Equal(["ns/shares-k"], room.Wake(new AllocationChanges(new Dictionary<PoolFamily, int>(), [], ["k"])));
        Assert.Equal(3, room.Count);

        room.Leave("ns/wants-3");
        Assert.Empty(room.Wake(new AllocationChanges(new Dictionary<PoolFamily, int>(), [held], [])));
        Assert.Equal(["ns/bad-annotation", "ns/shares-k"], room.Keys.Order(StringComparer.Ordinal));
    }
}
