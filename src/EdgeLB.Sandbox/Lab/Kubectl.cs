using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// The real kubectl against one kubeconfig: the lab's in-memory API server or a real cluster. The
/// lab, the sandbox and the end-to-end tests all go through it, so they use the API as users do.
/// </summary>
public sealed class Kubectl(string kubeconfig)
{
    public string Kubeconfig { get; } = kubeconfig;

    public Task<string> RunAsync(params string[] args) => ProcessRunner.RunAsync("kubectl", ["--kubeconfig", Kubeconfig, .. args], timeout: TimeSpan.FromSeconds(60));

    /// <summary>Runs kubectl and returns its exit code and output instead of throwing.</summary>
    public async Task<(bool Ok, string Output)> TryRunAsync(params string[] args)
    {
        try
        {
            return (true, await RunAsync(args));
        }
        catch (InvalidOperationException ex)
        {
            return (false, ex.Message);
        }
    }

    /// <summary><c>kubectl apply -f -</c> with <paramref name="manifest"/> on stdin.</summary>
    public Task<string> ApplyAsync(string manifest) =>
        ProcessRunner.RunAsync("kubectl", ["--kubeconfig", Kubeconfig, "apply", "-f", "-"], timeout: TimeSpan.FromSeconds(60), stdin: manifest);

    /// <summary><c>kubectl get -o json</c> of one object, or null when it does not exist.</summary>
    public async Task<JsonObject?> GetAsync(string resource, string name, string? ns = null)
    {
        string[] args = ns is null ? ["get", resource, name, "-o", "json", "--ignore-not-found"] : ["get", resource, name, "-n", ns, "-o", "json", "--ignore-not-found"];
        var output = await RunAsync(args);
        return string.IsNullOrWhiteSpace(output) ? null : JsonNode.Parse(output) as JsonObject;
    }

    /// <summary>Polls <paramref name="read"/> until it returns a value or <paramref name="timeout"/> passes.</summary>
    public static async Task<T?> WaitForAsync<T>(Func<Task<T?>> read, TimeSpan timeout, TimeSpan? interval = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(read);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await read() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return null;
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    /// <summary>The Service's <c>status.loadBalancer.ingress[].ip</c> values (empty while it has none).</summary>
    public async Task<IReadOnlyList<string>> IngressAsync(string ns, string name)
    {
        var svc = await GetAsync("svc", name, ns);
        var ingress = svc?["status"]?["loadBalancer"]?["ingress"] as JsonArray ?? [];
        return [.. ingress.Select(i => i?["ip"]?.GetValue<string>()).OfType<string>()];
    }

    /// <summary>Waits until the Service has <paramref name="count"/> ingress IPs; null on timeout.</summary>
    public async Task<IReadOnlyList<string>?> WaitForIngressAsync(string ns, string name, TimeSpan timeout, int count = 1) =>
        await WaitForAsync(async () => await IngressAsync(ns, name) is { } ips && ips.Count >= count ? ips : null, timeout);

    /// <summary>The value of annotation <paramref name="key"/> of a Service, or null.</summary>
    public async Task<string?> ServiceAnnotationAsync(string ns, string name, string key) =>
        (await GetAsync("svc", name, ns))?["metadata"]?["annotations"]?[key]?.GetValue<string>();

    /// <summary>
    /// The node that announces the Service's VIPs, from the controller's annotation
    /// <c>edgelb.io/announcing-node</c> ("node,interface,epoch"), or null while it has none.
    /// </summary>
    public async Task<string?> AnnouncingNodeAsync(string ns, string name) =>
        await ServiceAnnotationAsync(ns, name, "edgelb.io/announcing-node") is { Length: > 0 } value ? value.Split(',')[0] : null;
}
