using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>Settings of the in-memory Kubernetes API server.</summary>
public sealed class InMemoryApiServerOptions
{
    /// <summary>Where to listen; port 0 picks a free port (read it back from <see cref="InMemoryApiServer.BaseAddress"/>).</summary>
    public IPEndPoint Listen { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>When set, serve HTTPS (HTTP/1.1 and HTTP/2) with this certificate instead of plain HTTP/1.1.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>How many changes the server remembers for watches and continue tokens; older resourceVersions get 410 Gone.</summary>
    public int HistoryLimit { get; set; } = 10_000;

    /// <summary>How often an idle watch that asked for bookmarks receives one.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound of a watch's life when the client sets no timeoutSeconds (the real server picks 30–60 minutes).</summary>
    public TimeSpan MaxWatchTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long a list or watch from a resourceVersion the server has not reached waits for it before
    /// the answer "too large resource version" (504 Timeout; an ERROR event on a watch). The real
    /// server's watch cache waits 3 s for etcd; so does this one by default.
    /// </summary>
    public TimeSpan TooLargeResourceVersionWait { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Service cluster IPs are allocated from here. Kept inside 198.18.0.0/15 so it never collides with real networks.</summary>
    public string ServiceClusterIpRange { get; set; } = "198.19.0.0/16";

    /// <summary>IPv6 cluster IPs for dual-stack Services; empty disables dual stack.</summary>
    public string ServiceClusterIpRangeV6 { get; set; } = "2001:db8:ffff::/112";

    public int NodePortMin { get; set; } = 30000;

    public int NodePortMax { get; set; } = 32767;

    /// <summary>Create namespaced objects even when their namespace does not exist (the real server refuses with 404).</summary>
    public bool AutoCreateNamespaces { get; set; }

    /// <summary>
    /// Require "Authorization: Bearer &lt;token&gt;" with a token from <see cref="InMemoryApiServer.IssueToken"/>
    /// (the written kubeconfig carries one) on every request except /version and health checks; others get 401.
    /// kubectl sends bearer tokens only over TLS, so use it with <see cref="Certificate"/> for kubectl.
    /// </summary>
    public bool RequireAuthentication { get; set; }

    /// <summary>The version /version reports.</summary>
    public string GitVersion { get; set; } = "v1.32.0-edgelb";

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;
}
