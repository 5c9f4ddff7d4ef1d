using System.Diagnostics;
using System.Globalization;
using System.Net;
using EdgeLB.Rpc;
using EdgeLB.Rpc.Client;
using EdgeLB.Rpc.Server;
using EdgeLB.Rpc.Tests.Interop;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Benchmarks.Rpc;

/// <summary>
/// Throughput runner for hack/bench/rpc.sh, outside BenchmarkDotNet because it measures a server and
/// a client in separate processes for a fixed time, as the grpc-js runner does.
///   rpc serve                                   serves Interop.Unary/ServerStream on 127.0.0.1, prints "LISTENING port"
///   rpc unary  --target URL --seconds S --concurrency C    prints {"rps": N}
///   rpc stream --target URL --seconds S --concurrency C    prints {"msgs_per_sec": N}
/// </summary>
internal static class RpcBench
{
    private const string Service = "edgelb.interop.v1.Interop";

    private static readonly Method<EchoRequest, EchoReply> Unary = new(MethodType.Unary, Service, "Unary", EchoRequest.Parser, EchoReply.Parser);
    private static readonly Method<StreamRequest, EchoReply> ServerStream = new(MethodType.ServerStreaming, Service, "ServerStream", StreamRequest.Parser, EchoReply.Parser);

    public static async Task<int> RunAsync(string[] args)
    {
        var mode = args.FirstOrDefault() ?? string.Empty;
        string Option(string name, string fallback)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        var seconds = double.Parse(Option("seconds", "5"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Option("concurrency", "32"), CultureInfo.InvariantCulture);
        switch (mode)
        {
            case "serve":
                await ServeAsync();
                return 0;
            case "unary":
                Console.WriteLine($"{{\"rps\": {await UnaryAsync(new Uri(Option("target", string.Empty)), seconds, concurrency):F0}}}");
                return 0;
            case "stream":
                Console.WriteLine($"{{\"msgs_per_sec\": {await StreamAsync(new Uri(Option("target", string.Empty)), seconds, concurrency):F0}}}");
                return 0;
            default:
                await Console.Error.WriteLineAsync("usage: rpc serve | rpc unary|stream --target URL [--seconds S] [--concurrency C]");
                return 2;
        }
    }

    private static async Task ServeAsync()
    {
        // Exceptions are the usual hidden cost on a hot path; count them for the report on exit.
        long exceptions = 0;
        var kinds = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
        {
            Interlocked.Increment(ref exceptions);
            kinds.AddOrUpdate(e.Exception.GetType().Name + ": " + e.Exception.Message, 1, (_, n) => n + 1);
        };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.UseRpcProtocols()));
        builder.Services.AddEdgeLbRpc().AddService(_ => RpcServiceDefinition.CreateBuilder()
            .AddUnary(Unary, (request, _) => Task.FromResult(new EchoReply { Message = request.Message, Payload = request.Payload }))
            .AddServerStreaming(ServerStream, async (request, responses, context) =>
            {
                var reply = new EchoReply { Payload = ByteString.CopyFrom(new byte[request.PayloadSize]) };
                for (var i = 0; request.Count < 0 || i < request.Count; i++)
                {
                    reply.Index = i;
                    await responses.WriteAsync(reply, context.CancellationToken);
                }
            })
            .Build());
        await using var app = builder.Build();
        app.UseEdgeLbRpc();
        await app.StartAsync();
        var address = app.Urls.First();
        Console.WriteLine($"LISTENING {new Uri(address).Port}");
        // Run until the parent closes our stdin.
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        await Console.Error.WriteLineAsync($"first-chance exceptions: {Interlocked.Read(ref exceptions)}");
        foreach (var (kind, n) in kinds.OrderByDescending(k => k.Value).Take(5))
        {
            await Console.Error.WriteLineAsync($"  {n} x {kind}");
        }
    }

    private static async Task<double> UnaryAsync(Uri target, double seconds, int concurrency)
    {
        using var channel = RpcChannel.Create(target);
        var request = new EchoRequest { Message = "bench", Payload = ByteString.CopyFrom(new byte[32]) };
        await channel.UnaryAsync(Unary, request);

        // One warm-up second, then count completed calls for the measured window.
        long count = 0;
        var measuring = false;
        var total = Stopwatch.StartNew();
        var stopAt = TimeSpan.FromSeconds(seconds + 1);
        Stopwatch? window = null;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (total.Elapsed < stopAt)
            {
                await channel.UnaryAsync(Unary, request);
                if (Volatile.Read(ref measuring))
                {
                    Interlocked.Increment(ref count);
                }
            }
        }).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(1));
        Interlocked.Exchange(ref count, 0);
        window = Stopwatch.StartNew();
        Volatile.Write(ref measuring, true);
        await Task.WhenAll(workers);
        return Interlocked.Read(ref count) / window.Elapsed.TotalSeconds;
    }

    private static async Task<double> StreamAsync(Uri target, double seconds, int concurrency)
    {
        using var channel = RpcChannel.Create(target);
        long count = 0;
        var measuring = false;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 1));
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            using var call = channel.ServerStreaming(ServerStream, new StreamRequest { Count = -1, PayloadSize = 32 }, new CallOptions(CancellationToken: stop.Token));
            try
            {
                while (await call.ResponseStream.MoveNextAsync())
                {
                    if (Volatile.Read(ref measuring))
                    {
                        Interlocked.Increment(ref count);
                    }
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
            {
                // The measured window ended.
            }
        }).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(1));
        Interlocked.Exchange(ref count, 0);
        var window = Stopwatch.StartNew();
        Volatile.Write(ref measuring, true);
        await Task.WhenAll(workers);
        return Interlocked.Read(ref count) / Math.Min(window.Elapsed.TotalSeconds, seconds);
    }
}
