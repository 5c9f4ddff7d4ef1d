using EdgeLB.Controller.Hosting;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Rpc;
using EdgeLB.Rpc.Client;
using EdgeLB.Rpc.Contract;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Sandbox.ApiServer;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>
/// The in-memory API server with a pool, an L2Advertisement and Ready nodes, real controllers
/// serving the coordinator on loopback, and simulated speakers with pod-bound tokens.
/// </summary>
internal sealed class CoordinationLab : IAsyncDisposable
{
    public const string Namespace = "edgelb-system";
    private readonly ControllerFixture _fixture;
    private readonly List<SimulatedSpeaker> _speakers = [];

    private CoordinationLab(ControllerFixture fixture) => _fixture = fixture;

    public InMemoryApiServer Server => _fixture.Server;

    public KubeApiClient Client => _fixture.Client;

    public ControllerFixture Fixture => _fixture;

    public static async Task<CoordinationLab> StartAsync(int nodes = 3, string pool = "198.18.0.100-198.18.0.150", bool advertisement = true)
    {
        var lab = new CoordinationLab(await ControllerFixture.StartAsync());
        await lab._fixture.CreatePoolAsync("lan", pool);
        if (advertisement)
        {
            await lab.CreateAdvertisementAsync("lan", new L2AdvertisementSpec { IpAddressPools = ["lan"] });
        }

        for (var i = 1; i <= nodes; i++)
        {
            await lab.CreateNodeAsync($"node-{i}", $"198.18.0.{i}");
        }

        return lab;
    }

    public Task<ControllerHost> StartControllerAsync(string identity = "controller-a", Action<ControllerOptions>? configure = null, bool waitUntilLeading = true) =>
        _fixture.StartControllerAsync(identity, o =>
        {
            o.GrpcListen = "127.0.0.1:0";
            o.RelearnTimeout = TimeSpan.FromSeconds(5);

            // Generous for a test machine running other suites in parallel; lease logic itself is tested with a manual clock.
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(50);
            o.SpeakerLease = TimeSpan.FromSeconds(2);
            o.LeaseMargin = TimeSpan.FromMilliseconds(200);
            configure?.Invoke(o);
        }, waitUntilLeading);

    public static Uri AddressOf(ControllerHost host) => new("http://" + host.CoordinatorAddress);

    public Task<L2Advertisement> CreateAdvertisementAsync(string name, L2AdvertisementSpec spec) =>
        Client.CreateAsync(Resources.L2Advertisements, new L2Advertisement { Metadata = new ObjectMeta { Name = name, Namespace = Namespace }, Spec = spec });

    public Task<Node> CreateNodeAsync(string name, string address, IReadOnlyDictionary<string, string>? labels = null, bool ready = true) =>
        Client.CreateAsync(Resources.Nodes, NodeObject(name, address, labels, ready));

    public async Task UpdateNodeAsync(string name, Func<Node, Node> change)
    {
        var node = await Client.GetAsync(Resources.Nodes, null, name);
        await Client.UpdateAsync(Resources.Nodes, change(node));
        await Client.UpdateStatusAsync(Resources.Nodes, change(await Client.GetAsync(Resources.Nodes, null, name)));
    }

    public static Node NodeObject(string name, string address, IReadOnlyDictionary<string, string>? labels = null, bool ready = true) => new()
    {
        Metadata = new ObjectMeta { Name = name, Labels = labels ?? new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } },
        Status = new NodeStatus
        {
            Addresses = [new NodeAddress { Type = "InternalIP", Address = address }],
            Conditions = [new NodeCondition { Type = "Ready", Status = ready ? "True" : "False" }],
        },
    };

    /// <summary>A token bound to a speaker pod on <paramref name="node"/>, as the kubelet projects it.</summary>
    public string SpeakerToken(string node, string serviceAccount = "edgelb-speaker") =>
        Server.IssueToken(serviceAccount, Namespace, "edgelb", $"edgelb-speaker-{node}", node);

    public async Task<SimulatedSpeaker> ConnectAsync(ControllerHost host, string node, int index, string? token = null, bool heartbeats = true, string? instance = null)
    {
        var speaker = await SimulatedSpeaker.ConnectAsync(AddressOf(host), node, token ?? SpeakerToken(node), $"198.18.0.{index}", instance: instance);
        _speakers.Add(speaker);
        if (heartbeats)
        {
            speaker.StartHeartbeats(TimeSpan.FromMilliseconds(50));
        }

        return speaker;
    }

    public async Task<Service> CreateServiceAsync(string name, string? trafficPolicy = null, string ns = "default")
    {
        var service = await Client.CreateAsync(Resources.Services, new Service
        {
            Metadata = new ObjectMeta { Name = name, Namespace = ns },
            Spec = new ServiceSpec
            {
                Type = "LoadBalancer",
                ExternalTrafficPolicy = trafficPolicy,
                Selector = new Dictionary<string, string> { ["app"] = name },
                Ports = [new Kubernetes.Models.ServicePort { Name = "http", Port = 80, Protocol = "TCP" }],
            },
        });
        await _fixture.WaitForIpAsync(name, ns);
        return await Client.GetAsync(Resources.Services, ns, name);
    }

    public Task<EndpointSlice> SetEndpointsAsync(string service, params string[] nodes) =>
        Client.CreateAsync(Resources.EndpointSlices, new EndpointSlice
        {
            Metadata = new ObjectMeta { Name = $"{service}-{Guid.NewGuid():N}"[..20], Namespace = "default", Labels = new Dictionary<string, string> { [EndpointSlice.ServiceNameLabel] = service } },
            AddressType = "IPv4",
            Endpoints = [.. nodes.Select((n, i) => new Endpoint { Addresses = [$"198.18.1.{i + 1}"], NodeName = n, Conditions = new EndpointConditions { Ready = true } })],
            Ports = [new EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
        });

    /// <summary>GetState as an operator asks for it: with the kubeconfig account's token unless <paramref name="token"/> says otherwise ("" sends none).</summary>
    public async Task<GetStateResponse> GetStateAsync(ControllerHost host, GetStateRequest? request = null, string? token = null)
    {
        token ??= Server.IssueToken(InMemoryApiServer.AdministratorAccount, InMemoryApiServer.AdministratorNamespace);
        var headers = new Metadata();
        if (token.Length > 0)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        using var channel = RpcChannel.Create(AddressOf(host));
        return await channel.UnaryAsync(CoordinatorMethods.GetState, request ?? new GetStateRequest(), CallOptions.FromTimeout(TimeSpan.FromSeconds(10), headers));
    }

    /// <summary>A leading controller, speakers on node-1 and node-2, Service "web", its VIP and the speaker holding it.</summary>
    public async Task<(SimulatedSpeaker[] Speakers, string Vip, SimulatedSpeaker Holder)> TwoSpeakersAndAServiceAsync()
    {
        var host = await StartControllerAsync();
        var speakers = new[] { await ConnectAsync(host, "node-1", 1), await ConnectAsync(host, "node-2", 2) };
        var vip = (await CreateServiceAsync("web")).Status!.LoadBalancer!.Ingress![0].Ip!;
        return (speakers, vip, await HolderAsync(vip, speakers));
    }

    /// <summary>Waits until exactly one of <paramref name="speakers"/> holds <paramref name="vip"/> and returns it.</summary>
    public static async Task<SimulatedSpeaker> HolderAsync(string vip, params SimulatedSpeaker[] speakers)
    {
        SimulatedSpeaker? holder = null;
        try
        {
            await Eventually.TrueAsync(
                () =>
                {
                    var holding = speakers.Where(s => s.Holding.ContainsKey(vip)).ToList();
                    holder = holding.Count == 1 ? holding[0] : null;
                    return Task.FromResult(holder is not null);
                },
                $"one speaker holds {vip}");
        }
        catch (TimeoutException ex)
        {
            var seen = string.Join("; ", speakers.Select(s => $"{s.Node}: holds [{string.Join(",", s.Holding.Select(h => $"{h.Key}@{h.Value}"))}], got {string.Join(",", s.Received.Where(m => m.HeartbeatAck is null).Select(m => m.KindCase))}, acks {s.AckCount}, ended {s.Ended} {s.Failure?.Message}"));
            throw new TimeoutException(ex.Message + ": " + seen, ex);
        }

        return holder!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var speaker in _speakers)
        {
            await speaker.DisposeAsync();
        }

        await _fixture.DisposeAsync();
    }
}
