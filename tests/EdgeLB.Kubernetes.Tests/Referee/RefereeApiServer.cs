using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Sandbox.ApiServer;

namespace EdgeLB.Kubernetes.Tests.Referee;

/// <summary>
/// The in-memory API server with two clients on it, configured from the same kubeconfig: EdgeLB's
/// and KubernetesClient's.
/// </summary>
public sealed class RefereeApiServer : IAsyncDisposable
{
    private RefereeApiServer(InMemoryApiServer server, KubeApiClient ours, k8s.Kubernetes theirs)
    {
        Server = server;
        Ours = ours;
        Theirs = theirs;
    }

    public InMemoryApiServer Server { get; }

    public KubeApiClient Ours { get; }

    public k8s.Kubernetes Theirs { get; }

    public static async Task<RefereeApiServer> StartAsync()
    {
        var server = await InMemoryApiServer.StartAsync(new InMemoryApiServerOptions { AutoCreateNamespaces = true, BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        var path = server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"edgelb-referee-{Guid.NewGuid():N}"), "shop");
        try
        {
            var ours = new KubeApiClient(
                KubeConfigLoader.Load(new KubeConfigOptions { Path = path }),
                new KubeApiOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(10), RetryMaxDelay = TimeSpan.FromSeconds(1) });
            var theirs = new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
            return new RefereeApiServer(server, ours, theirs);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Ours.Dispose();
        Theirs.Dispose();
        await Server.DisposeAsync();
    }
}
