using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// An in-process Kubernetes API server over real HTTP on Kestrel, faithful to the part of the API
/// EdgeLB uses (see docs/design.md). kubectl and any HTTP client can talk to it; tests steer it
/// through <see cref="Faults"/>.
/// </summary>
public sealed class InMemoryApiServer : IAsyncDisposable
{
    /// <summary>The service account of the kubeconfigs this server writes (an administrator: every access review allows it).</summary>
    public const string AdministratorAccount = "edgelb-admin";

    public const string AdministratorNamespace = "kube-system";

    private static readonly string[] BuiltinNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly WebApplication _app;
    private readonly ObjectStore _store;
    private readonly TokenReviewer _tokens;
    private readonly AccessReviewer _access;
    private readonly ResourceRegistry _registry;
    private readonly ResourceOperations _operations;
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2? _certificate;

    private InMemoryApiServer(
        WebApplication app,
        ObjectStore store,
        ResourceRegistry registry,
        ResourceOperations operations,
        TokenReviewer tokens,
        AccessReviewer access,
        ApiFaults faults,
        Uri baseAddress,
        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate)
    {
        _app = app;
        _registry = registry;
        _operations = operations;
        _certificate = certificate;
        _store = store;
        _tokens = tokens;
        _access = access;
        Faults = faults;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's root URL, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; }

    public ApiFaults Faults { get; }

    /// <summary>The newest resourceVersion handed out.</summary>
    public long ResourceVersion => _store.ResourceVersion;

    /// <summary>How many watch streams are open right now.</summary>
    public int OpenWatches => _store.WatchCount;

    public static async Task<InMemoryApiServer> StartAsync(InMemoryApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new InMemoryApiServerOptions();
        var logger = options.LoggerFactory.CreateLogger<InMemoryApiServer>();
        var registry = new ResourceRegistry();
        var store = new ObjectStore(options.HistoryLimit);
        var tokens = new TokenReviewer();
        var access = new AccessReviewer($"system:serviceaccount:{AdministratorNamespace}:{AdministratorAccount}");
        var faults = new ApiFaults(store);
        var services = new ServiceDefaulter(options);
        store.Committed = e =>
        {
            if (e.Resource == registry.Services)
            {
                services.Index.Update(ServiceAddressIndex.KeyOf(e.Object), e.Type == WatchEventType.Deleted ? null : e.Object);
            }
        };
        var operations = new ResourceOperations(store, registry, services, options.TimeProvider, options.AutoCreateNamespaces);
        foreach (var ns in BuiltinNamespaces)
        {
            operations.Create(registry.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, WriteOptions.Default);
        }

        var handler = new ApiRequestHandler(store, registry, operations, tokens, access, faults, options, logger);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(options.LoggerFactory);
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EdgeLB.Rpc.Hosting.EmbeddedHostLifetime>();
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Listen, listen =>
            {
                if (options.Certificate is { } certificate)
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(certificate);
                }
                else
                {
                    listen.Protocols = HttpProtocols.Http1;
                }
            });
        });
        var app = builder.Build();
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        var host = options.Listen.Address.Equals(IPAddress.Any) ? "127.0.0.1"
            : options.Listen.Address.Equals(IPAddress.IPv6Any) ? "[::1]"
            : options.Listen.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{options.Listen.Address}]"
            : options.Listen.Address.ToString();
        var scheme = options.Certificate is null ? "http" : "https";
        var baseAddress = new Uri($"{scheme}://{host}:{port.ToString(CultureInfo.InvariantCulture)}/");
        ApiServerLog.Listening(logger, baseAddress);
        return new InMemoryApiServer(app, store, registry, operations, tokens, access, faults, baseAddress, options.Certificate);
    }

    /// <summary>
    /// Issues a bearer token for a service account; TokenReviews of it authenticate as
    /// system:serviceaccount:&lt;namespace&gt;:&lt;serviceAccount&gt; with the pod and node extras.
    /// </summary>
    public string IssueToken(string serviceAccount, string @namespace, string audience = "https://kubernetes.default.svc", string? podName = null, string? nodeName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceAccount);
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        return _tokens.Issue(serviceAccount, @namespace, audience, podName, nodeName);
    }

    /// <summary>
    /// Creates the objects of a manifest (YAML, possibly several documents, or JSON) directly, with
    /// the same defaulting and validation as a POST; a document without a namespace goes to "default".
    /// </summary>
    /// <returns>The stored objects.</returns>
    /// <exception cref="InvalidOperationException">An object was rejected; the message is the server's Status message.</exception>
    public IReadOnlyList<JsonObject> CreateObjects(string manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var created = new List<JsonObject>();
        foreach (var doc in YamlJson.ParseAll(manifest))
        {
            if (doc is not JsonObject obj)
            {
                throw new InvalidOperationException("every manifest document must be an object");
            }

            var apiVersion = JsonTree.GetString(obj, "apiVersion");
            var kind = JsonTree.GetString(obj, "kind");
            var type = apiVersion is null || kind is null ? null : _registry.FindByKind(apiVersion, kind);
            if (type is null)
            {
                throw new InvalidOperationException($"the server does not serve {apiVersion} {kind}");
            }

            var ns = type.Namespaced ? JsonTree.GetString(obj, "metadata", "namespace") ?? "default" : null;
            try
            {
                created.Add(Detached(_operations.Create(type, ns, obj, WriteOptions.Default)));
            }
            catch (ApiException ex)
            {
                throw new InvalidOperationException(ex.Message, ex);
            }
        }

        return created;
    }

    /// <summary>A copy of a stored object, or null; <paramref name="apiVersion"/> is e.g. "v1" or "edgelb.io/v1alpha1".</summary>
    public JsonObject? GetObject(string apiVersion, string kind, string? @namespace, string name)
    {
        var type = _registry.FindByKind(apiVersion, kind) ?? throw new ArgumentException($"the server does not serve {apiVersion} {kind}", nameof(kind));
        return _store.Get(type, type.Namespaced ? @namespace ?? "default" : null, name) is { } found ? Detached(found) : null;
    }

    /// <summary>A copy that reads exactly like an object received over HTTP (numbers convert to any integer type).</summary>
    private static JsonObject Detached(JsonObject stored) => (JsonObject)JsonNode.Parse(stored.ToJsonString())!;

    /// <summary>
    /// Lets <paramref name="subject"/> (a user name or a group) make <paramref name="verb"/> on
    /// <paramref name="group"/>/<paramref name="resource"/> cluster-wide, as SubjectAccessReviews see it.
    /// The account of the kubeconfigs this server writes may do anything without a grant.
    /// </summary>
    public void Grant(string subject, string verb, string group, string resource) => _access.Grant(subject, verb, group, resource);

    /// <summary>Makes a token issued by <see cref="IssueToken"/> fail review from now on.</summary>
    public bool RevokeToken(string token) => _tokens.Revoke(token);

    /// <summary>Writes a kubeconfig for this server to <paramref name="path"/> and returns the path.</summary>
    public string WriteKubeconfig(string path, string @namespace = "default")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var server = BaseAddress.ToString().TrimEnd('/');
        var ca = _certificate is null
            ? ""
            : $"\n    certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(_certificate.ExportCertificatePem()))}";
        var yaml = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: edgelb
              cluster:
                server: {server}{ca}
            contexts:
            - name: edgelb
              context:
                cluster: edgelb
                user: edgelb-admin
                namespace: {@namespace}
            current-context: edgelb
            users:
            - name: edgelb-admin
              user:
                token: {IssueToken(AdministratorAccount, AdministratorNamespace)}
            preferences: {"{}"}

            """;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, yaml);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        _store.DropWatches(abort: false);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}
