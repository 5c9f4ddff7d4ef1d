using System.CommandLine;
using System.Net;
using EdgeLB.Sandbox.ApiServer;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Commands;

/// <summary><c>edgelb api-server</c>: runs the in-memory Kubernetes API server alone, so EdgeLB can be tried without a cluster.</summary>
internal static class ApiServerCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen")
        {
            Description = "Address and port to listen on (port 0 picks a free one), e.g. 127.0.0.1:6443 or [::1]:6443.",
            DefaultValueFactory = _ => "127.0.0.1:6443",
        };
        var kubeconfig = new Option<string?>("--kubeconfig")
        {
            Description = "Where to write a kubeconfig for this server (default: a file in the temporary directory).",
        };
        var history = new Option<int>("--history")
        {
            Description = "How many changes to keep for watches; older resourceVersions get 410 Gone.",
            DefaultValueFactory = _ => 10_000,
        };
        var nodePorts = new Option<string>("--service-node-port-range")
        {
            Description = "The nodePorts Services get, as MIN-MAX (kube-apiserver's flag of the same name).",
            DefaultValueFactory = _ => "30000-32767",
        };
        var autoNamespaces = new Option<bool>("--auto-create-namespaces") { Description = "Create a namespace when something is first created in it, instead of answering 404." };
        var verbose = new Option<bool>("--verbose") { Description = "Log every request." };
        var tls = new Option<bool>("--tls") { Description = "Serve HTTPS (HTTP/1.1 and HTTP/2) with a throw-away self-signed certificate; the kubeconfig trusts it." };
        var command = new Command("api-server", "Run the in-memory Kubernetes API server (for kubectl and EdgeLB without a cluster).")
        {
            listen,
            kubeconfig,
            history,
            nodePorts,
            autoNamespaces,
            verbose,
            tls,
        };
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(listen)!,
            parse.GetValue(kubeconfig),
            parse.GetValue(history),
            parse.GetValue(nodePorts)!,
            parse.GetValue(autoNamespaces),
            parse.GetValue(verbose),
            parse.GetValue(tls),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            ct));
        return command;
    }

    private static async Task<int> RunAsync(string listen, string? kubeconfig, int history, string nodePorts, bool autoNamespaces, bool verbose, bool tls, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (!IPEndPoint.TryParse(listen, out var endpoint))
        {
            await error.WriteLineAsync($"edgelb api-server: --listen '{listen}' is not an address:port such as 127.0.0.1:6443");
            return 2;
        }

        if (history < 1)
        {
            await error.WriteLineAsync("edgelb api-server: --history must be at least 1");
            return 2;
        }

        var range = nodePorts.Split('-');
        if (range.Length != 2
            || !int.TryParse(range[0], System.Globalization.CultureInfo.InvariantCulture, out var nodePortMin)
            || !int.TryParse(range[1], System.Globalization.CultureInfo.InvariantCulture, out var nodePortMax)
            || nodePortMin < 1 || nodePortMax > 65535 || nodePortMin > nodePortMax)
        {
            await error.WriteLineAsync($"edgelb api-server: --service-node-port-range '{nodePorts}' is not MIN-MAX within 1-65535");
            return 2;
        }

        using var loggerFactory = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
            .AddFilter("Microsoft.Hosting", LogLevel.Warning)
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information));
        using var certificate = tls ? SelfSignedCertificate.Create(endpoint.Address) : null;
        var options = new InMemoryApiServerOptions
        {
            Listen = endpoint,
            HistoryLimit = history,
            NodePortMin = nodePortMin,
            NodePortMax = nodePortMax,
            AutoCreateNamespaces = autoNamespaces,
            LoggerFactory = loggerFactory,
            Certificate = certificate,
        };
        InMemoryApiServer server;
        try
        {
            server = await InMemoryApiServer.StartAsync(options, ct);
        }
        catch (IOException ex)
        {
            await error.WriteLineAsync($"edgelb api-server: cannot listen on {listen}: {ex.Message}");
            return 1;
        }

        await using (server)
        {
            var path = kubeconfig ?? Path.Combine(Path.GetTempPath(), $"edgelb-api-server-{server.BaseAddress.Port}", "kubeconfig");
            server.WriteKubeconfig(path);
            await output.WriteLineAsync($"In-memory API server listening on {server.BaseAddress}");
            await output.WriteLineAsync($"kubeconfig written to {path}");
            await output.WriteLineAsync($"export KUBECONFIG={path}");
            await output.WriteLineAsync("Press Ctrl-C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                await output.WriteLineAsync("Stopping.");
            }
        }

        return 0;
    }
}
