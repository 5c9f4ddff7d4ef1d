using System.Net;
using EdgeLB.Net.Interfaces;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Speaker.Session;
using EdgeLB.Speaker.Tests.Announcing.Lab;
using EdgeLB.Sandbox.Lab;
using Microsoft.Extensions.Logging.Abstractions;
using Kind = EdgeLB.Rpc.Contract.V1.SpeakerMessage.KindOneofCase;

namespace EdgeLB.Speaker.Tests.Session;

/// <summary>
/// The session driving the real announcer in a node namespace: the fake coordinator's Assignment
/// must end up in another lab host's kernel neighbour table, and its Revoke must silence the node.
/// </summary>
public sealed class SessionLabTests
{
    [NetworkFact]
    public async Task Assignment_TeachesTheClientKernelTheNodeMac_AndRevokeSilencesIt()
    {
        await using var lab = await NetworkLab.CreateAsync("s6session");
        var client = await lab.AddHostAsync("client");
        using var node = new LabSpeaker(await lab.AddHostAsync("node1"));
        await using var coordinator = await FakeCoordinator.StartAsync();
        var options = new SessionOptions { Controllers = [coordinator.Endpoint], NodeName = "node1" };
        var inventory = new NodeInventory(options, () => node.Thread.Invoke(InterfaceCatalog.GetInterfaces));
        var forwarder = new FakeForwarder(coordinator.Log);
        using var table = new AssignmentTable(node.Announcer, forwarder, inventory, TimeProvider.System, NullLogger.Instance, options.ForwardingLinger);
        var arbiter = new ClaimArbiter(options.NewHolderGrace, TimeProvider.System);
        using var claims = node.Announcer.OnClaim(arbiter.Decide);
        using var session = new SpeakerSession(options, table, arbiter, inventory, node.Announcer, forwarder.HealthSnapshot, TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = session.RunAsync(stop.Token);
        try
        {
            var controller = await coordinator.AcceptAsync();
            var hello = (await controller.NextAsync(Kind.Hello)).Hello;
            var eth0 = Assert.Single(hello.Interfaces); // lo has no MAC
            Assert.Equal(NodeInventory.MacBytes(node.Mac), eth0.Mac);
            Assert.Contains(node.Host.IPv4, hello.NodeAddresses);

            await controller.ConfigureAsync(TimeSpan.FromHours(1), TimeSpan.FromHours(1));
            var vip = IPAddress.Parse($"198.18.{lab.Subnet}.100");
            // No interface named: the speaker picks the one whose subnet holds the VIP.
            await controller.SendAsync(new ControllerMessage { Assignment = new Assignment { Address = vip.ToString(), Family = AddressFamily.Ipv4, Epoch = 1 } });
            var announced = Assert.Single((await controller.HeartbeatAsync(h => h.Announced.Count == 1)).Announced);
            Assert.Equal("eth0", announced.Interface);

            using var clientThread = client.EnterThread();
            ClientProbe.Touch(clientThread, vip);
            await ClientProbe.WaitForNeighbour(clientThread, vip, node.Mac, TimeSpan.FromSeconds(3));

            await controller.SendAsync(new ControllerMessage { Revoke = new Revoke { Address = vip.ToString(), Epoch = 1, Reason = "moved" } });
            await controller.HeartbeatAsync(h => h.Announced.Count == 0);
            await client.RunAsync("ip", "neigh", "flush", "dev", "eth0");
            ClientProbe.Touch(clientThread, vip);
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // the kernel's ARP retries (1 s apart) go unanswered
            Assert.NotEqual(node.Mac, clientThread.Invoke(() => NeighborTable.Find(vip))?.Mac);
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
