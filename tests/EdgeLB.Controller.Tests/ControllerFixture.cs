using EdgeLB.Controller.Hosting;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Sandbox.ApiServer;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Controller.Tests;

/// <summary>An in-memory API server over real HTTP, a client for the test's own writes, and controllers to start and stop.</summary>
internal sealed class ControllerFixture : IAsyncDisposable
{
    private readonly List<(ControllerHost Host, CancellationTokenSource Stop, Task Run)> _controllers = [];

    private ControllerFixture(InMemoryApiServer server)
    {
        Server = server;
        Client = new KubeApiClient(KubernetesClientConfiguration.ForServer(server.BaseAddress));
    }

    public InMemoryApiServer Server { get; private set; }

    public KubeApiClient Client { get; }

    /// <param name="autoCreateNamespaces">False makes the server refuse objects in a namespace that does not exist, as a real one does.</param>
    public static async Task<ControllerFixture> StartAsync(bool autoCreateNamespaces = true) =>
        new(await InMemoryApiServer.StartAsync(new InMemoryApiServerOptions { AutoCreateNamespaces = autoCreateNamespaces }));

    /// <summary>
    /// Stops the API server and starts a fresh, empty one on the same address and port (to a client,
    /// what a restore of etcd from an older backup looks like: same endpoint, state and resourceVersions gone back).
    /// </summary>
    public async Task ReplaceServerAsync()
    {
        var port = Server.BaseAddress.Port;
        await Server.DisposeAsync();
        Server = await InMemoryApiServer.StartAsync(new InMemoryApiServerOptions
        {
            AutoCreateNamespaces = true,
            Listen = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port),
        });
    }

    public async Task<ControllerHost> StartControllerAsync(string identity = "controller-a", Action<ControllerOptions>? configure = null, bool waitUntilLeading = true)
    {
        var options = new ControllerOptions
        {
            Identity = identity,
            HttpListen = "127.0.0.1:0",
            GrpcListen = "127.0.0.1:0",
            LeaseDuration = TimeSpan.FromSeconds(2),
            RenewDeadline = TimeSpan.FromSeconds(1.5),
            RetryPeriod = TimeSpan.FromMilliseconds(300),
        };
        configure?.Invoke(options);
        var host = new ControllerHost(options, NullLoggerFactory.Instance, KubernetesClientConfiguration.ForServer(Server.BaseAddress));
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => host.RunAsync(stop.Token));
        _controllers.Add((host, stop, run));
        if (waitUntilLeading)
        {
            await Eventually.TrueAsync(() => Task.FromResult(host.IsReady || run.IsCompleted), $"{identity} leads");
            if (run.IsCompleted)
            {
                await run;
            }
        }

        return host;
    }

    /// <summary>Stops a controller gracefully (it releases its Lease).</summary>
    public async Task StopControllerAsync(ControllerHost host)
    {
        var entry = _controllers.Single(c => c.Host == host);
        _controllers.Remove(entry);
        await entry.Stop.CancelAsync();
        await entry.Run;
        await host.DisposeAsync();
        entry.Stop.Dispose();
    }

    public Task<IPAddressPool> CreatePoolAsync(string name, params string[] addresses) =>
        Client.CreateAsync(Resources.IPAddressPools, new IPAddressPool
        {
            Metadata = new ObjectMeta { Name = name, Namespace = "edgelb-system" },
            Spec = new IPAddressPoolSpec { Addresses = addresses },
        });

    public Task<Service> CreateServiceAsync(string name, string type = "LoadBalancer", string ns = "default", IReadOnlyDictionary<string, string>? annotations = null, string? lbClass = null, int port = 80) =>
        Client.CreateAsync(Resources.Services, new Service
        {
            Metadata = new ObjectMeta { Name = name, Namespace = ns, Annotations = annotations },
            Spec = new ServiceSpec
            {
                Type = type,
                LoadBalancerClass = lbClass,
                Selector = new Dictionary<string, string> { ["app"] = name },
                Ports = [new ServicePort { Port = port, Protocol = "TCP" }],
            },
        });

    public Task<Service> GetServiceAsync(string name, string ns = "default") => Client.GetAsync(Resources.Services, ns, name);

    public static string? IngressIp(Service s) => s.Status?.LoadBalancer?.Ingress is [var first, ..] ? first.Ip : null;

    /// <summary>Waits until the Service shows an ingress IP and returns it.</summary>
    public async Task<string> WaitForIpAsync(string name, string ns = "default")
    {
        string? ip = null;
        await Eventually.TrueAsync(async () => (ip = IngressIp(await GetServiceAsync(name, ns))) is not null, $"{ns}/{name} gets an IP");
        return ip!;
    }

    public async Task<IReadOnlyList<KubeEvent>> EventsForAsync(string name, string ns = "default")
    {
        var list = await Client.ListAsync(Resources.Events, ns);
        return [.. list.Items.Where(e => e.InvolvedObject?.Name == name)];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (host, stop, run) in _controllers)
        {
            await stop.CancelAsync();
            await run.ContinueWith(_ => { }, TaskScheduler.Default);
            await host.DisposeAsync();
            stop.Dispose();
        }

        Client.Dispose();
        await Server.DisposeAsync();
    }
}
