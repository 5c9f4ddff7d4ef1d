using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using EdgeLB.Rpc.Health.V1;
using EdgeLB.Rpc.Tests.Interop;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace EdgeLB.Rpc.Tests.Infrastructure;

/// <summary>Where the peer runtimes and scripts are, and how to run a peer client to completion.</summary>
internal static class Peers
{
    public const string Python = "/usr/bin/python3";
    public const string Node = "node";

    private static readonly Lazy<string> Descriptors = new(WriteDescriptors);

    public static string PythonScript => Path.Combine(AppContext.BaseDirectory, "Interop", "python", "peer.py");

    public static string NodeScript => Path.Combine(AppContext.BaseDirectory, "Interop", "node", "peer.js");

    public static string ProtosDirectory => Path.Combine(AppContext.BaseDirectory, "Protos");

    /// <summary>A FileDescriptorSet of interop.proto and health.proto, as protoc compiled them into our assemblies.</summary>
    public static string DescriptorsFile => Descriptors.Value;

    public static string NodeModules =>
        typeof(Peers).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NodeModules").Value!;

    public static IReadOnlyDictionary<string, string> NodeEnvironment => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["NODE_PATH"] = NodeModules,
    };

    public static string[] PythonArgs(string mode, params string[] rest) => [PythonScript, mode, "--descriptors", DescriptorsFile, .. rest];

    public static string[] NodeArgs(string mode, params string[] rest) => [NodeScript, mode, "--protos", ProtosDirectory, .. rest];

    /// <summary>Fails with how to fix it when the peer runtime is missing.</summary>
    public static void RequireNode()
    {
        Assert.True(Directory.Exists(Path.Combine(NodeModules, "@grpc", "grpc-js")), $"grpc-js is not installed in {NodeModules}; run hack/install-deps.sh");
    }

    public static ProcessStartInfo CreateStartInfo(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>(StringComparer.Ordinal))
        {
            psi.Environment[key] = value;
        }

        return psi;
    }

    /// <summary>Runs a peer in client mode and returns its per-scenario results.</summary>
    public static async Task<IReadOnlyDictionary<string, PeerResult>> RunClientAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Process.Start(CreateStartInfo(file, args, environment)) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException ex)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} client did not finish in 60 s: {await stderr}", ex);
        }

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"{file} client exited {process.ExitCode}: {await stderr}{output}");
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("results").EnumerateArray().ToDictionary(
            r => r.GetProperty("name").GetString()!,
            r => new PeerResult(r.GetProperty("ok").GetBoolean(), r.GetProperty("detail").GetString() ?? string.Empty),
            StringComparer.Ordinal);
    }

    private static string WriteDescriptors()
    {
        var set = new FileDescriptorSet();
        set.File.Add(FileDescriptorProto.Parser.ParseFrom(InteropReflection.Descriptor.SerializedData));
        set.File.Add(FileDescriptorProto.Parser.ParseFrom(HealthReflection.Descriptor.SerializedData));
        var path = Path.Combine(Path.GetTempPath(), $"edgelb-interop-{Environment.ProcessId}.pb");
        File.WriteAllBytes(path, set.ToByteArray());
        return path;
    }
}
