using EdgeLB.Controller.Allocation;
using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Core.Pools;

namespace EdgeLB.Controller.Tests.Allocation;

/// <summary>
/// The allocator and the waiting room driven together the way the reconciler drives them, against
/// random deletions and creations: once every woken Service had its turn, no waiting Service could
/// get an address by being tried again (nobody is forgotten); no change gives anyone two turns; and
/// all changes together cost a fraction of the turns that waking every waiting Service would.
/// </summary>
public sealed class WaitingRoomModelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomChurn_NoWaitingServiceCouldBeServed_AndTurnsStaySmall(int seed)
    {
        var random = new Random(seed);
        var config = PoolConfiguration.Reconcile([
            new PoolSpec("small", ["198.18.0.1-198.18.0.6", "2001:db8::1-2001:db8::4"]),
            new PoolSpec("other", ["198.18.1.1-198.18.1.3"]),
        ]);
        var allocator = new Allocator(config);
        var room = new WaitingRoom();
        var services = new Dictionary<string, ServiceRequest>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        var turns = 0;
        var wakeEveryone = 0;

        void Turn(string key)
        {
            turns++;
            var tokens = room.Begin(key);
            if (services.TryGetValue(key, out var request))
            {
                var result = allocator.Assign(request);
                if (result.Refusal is { } refusal)
                {
                    room.Wait(key, refusal.WaitsFor);
                }
                else
                {
                    room.Leave(key);
                }
            }
            else
            {
                room.Leave(key);
                allocator.Release(Key(key));
            }

            foreach (var woken in room.Wake(allocator.TakeChanges()).Concat(room.PassOn(tokens, allocator.HasFree)))
            {
                // Like the work queue: a key waits in it at most once.
                if (!queue.Contains(woken))
                {
                    queue.Enqueue(woken);
                }
            }
        }

        for (var i = 0; i < 60; i++)
        {
            var key = $"ns-{i % 3}/svc-{i}";
            services[key] = Request(key, random);
            Turn(key);
        }

        for (var step = 0; step < 300; step++)
        {
            var before = turns;
            var waitingBefore = room.Count;
            var holders = services.Keys.Where(k => allocator.AddressesOf(Key(k)).Count > 0).ToList();
            if (holders.Count > 0 && random.Next(3) > 0)
            {
                var gone = holders[random.Next(holders.Count)];
                services.Remove(gone);
                Turn(gone);
            }
            else
            {
                var key = $"ns-{step % 3}/new-{step}";
                services[key] = Request(key, random);
                Turn(key);
            }

            while (queue.TryDequeue(out var next))
            {
                Turn(next);
            }

            Assert.True(turns - before <= 1 + waitingBefore, $"step {step}: one change took {turns - before} turns with {waitingBefore} waiting");
            wakeEveryone += 1 + waitingBefore;
            foreach (var waiting in room.Keys.ToList())
            {
                var result = allocator.Assign(services[waiting]);
                Assert.False(result.Succeeded, $"step {step}: {waiting} waits although an address is free for it");
            }
        }

        Assert.True(turns * 5 < wakeEveryone, $"{turns} turns; waking everyone would have taken {wakeEveryone}");
    }

    private static ServiceRequest Request(string key, Random random)
    {
        var pool = random.Next(4) switch { 0 => "other", _ => "small" };
        var (families, policy) = random.Next(4) switch
        {
            0 => ([IPFamily.IPv6], IPFamilyPolicy.SingleStack),
            1 => ([IPFamily.IPv4, IPFamily.IPv6], IPFamilyPolicy.RequireDualStack),
            _ => ((IReadOnlyList<IPFamily>)[IPFamily.IPv4], IPFamilyPolicy.SingleStack),
        };
        return new ServiceRequest
        {
            Key = Key(key),
            Annotations = new Dictionary<string, string> { [ServiceAnnotations.AddressPool] = pool },
            IPFamilies = families,
            IPFamilyPolicy = policy,
            Ports = [new ServicePort("TCP", 80)],
        };
    }

    private static ServiceKey Key(string key) => new(key[..key.IndexOf('/', StringComparison.Ordinal)], key[(key.IndexOf('/', StringComparison.Ordinal) + 1)..]);
}
