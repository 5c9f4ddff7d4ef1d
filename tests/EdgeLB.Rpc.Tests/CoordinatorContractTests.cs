using System.Reflection;
using System.Text.RegularExpressions;
using EdgeLB.Rpc.Contract;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Rpc.Server;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Rpc.Tests;

/// <summary>The edgelb.v1 contract: documented, and usable end to end over our layer.</summary>
public sealed partial class CoordinatorContractTests
{
    private static string ProtoRoot =>
        typeof(CoordinatorContractTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProtoRoot").Value!;

    public static TheoryData<string> ProtoFiles => [.. new[] { "edgelb/v1/coordinator.proto", "edgelb/v1/session.proto", "edgelb/v1/state.proto", "grpc/health/v1/health.proto" }];

    [Theory]
    [MemberData(nameof(ProtoFiles))]
    public void Proto_EveryDeclaration_HasAComment(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(ProtoRoot, file));
        var undocumented = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!Declaration().IsMatch(lines[i]))
            {
                continue;
            }

            var previous = i - 1;
            while (previous >= 0 && lines[previous].Trim().Length == 0)
            {
                previous--;
            }

            if (previous < 0 || !lines[previous].TrimStart().StartsWith("//", StringComparison.Ordinal))
            {
                undocumented.Add($"{file}:{i + 1}: {lines[i].Trim()}");
            }
        }

        Assert.Empty(undocumented);
    }

    [Fact]
    public void Proto_Coordinator_StatesCompatibilityRules()
    {
        var text = File.ReadAllText(Path.Combine(ProtoRoot, "edgelb/v1/coordinator.proto"));
        Assert.Contains("Never renumber", text, StringComparison.Ordinal);
        Assert.Contains("reserved", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_HelloHeartbeatDrain_OverOurLayer()
    {
        await using var app = await StartControllerAsync();
        using var channel = RpcChannel.Create(new Uri(app.Urls.First()));
        using var session = channel.DuplexStreaming(CoordinatorMethods.Session, CallOptions.FromTimeout(TimeSpan.FromSeconds(10)));

        await session.RequestStream.WriteAsync(new SpeakerMessage
        {
            Hello = new Hello
            {
                NodeName = "node-a",
                NodeAddresses = { "198.18.0.2" },
                Interfaces = { new NetworkInterface { Name = "eth0", Index = 2, Mac = ByteString.CopyFrom(2, 0, 0, 0, 0, 1), LinkUp = true } },
                Capabilities = new Capabilities { Ipv4 = true, ForwardTcp = true },
                Version = "test",
            },
        });
        Assert.True(await session.ResponseStream.MoveNextAsync());
        Assert.Equal(ControllerMessage.KindOneofCase.Configuration, session.ResponseStream.Current.KindCase);
        Assert.Equal(Duration.FromTimeSpan(TimeSpan.FromSeconds(2)), session.ResponseStream.Current.Configuration.HeartbeatInterval);

        Assert.True(await session.ResponseStream.MoveNextAsync());
        var assignment = session.ResponseStream.Current.Assignment;
        Assert.Equal("198.18.0.100", assignment.Address);
        Assert.Equal(7ul, assignment.Epoch);
        Assert.Equal("198.18.0.3", assignment.Ports[0].Backends[0].Address);

        await session.RequestStream.WriteAsync(new SpeakerMessage
        {
            Heartbeat = new Heartbeat { Sequence = 1, NodeHealth = Contract.V1.Health.Ok, Announced = { new AnnouncedVip { Address = "198.18.0.100", Epoch = 7 } } },
        });
        Assert.True(await session.ResponseStream.MoveNextAsync());
        Assert.Equal(1ul, session.ResponseStream.Current.HeartbeatAck.Sequence);
        Assert.Equal(7ul, session.ResponseStream.Current.HeartbeatAck.Renewed[0].Epoch);

        await session.RequestStream.WriteAsync(new SpeakerMessage { DrainRequest = new DrainRequest { Reason = "shutdown" } });
        Assert.True(await session.ResponseStream.MoveNextAsync());
        Assert.Equal(ControllerMessage.KindOneofCase.DrainComplete, session.ResponseStream.Current.KindCase);

        await session.RequestStream.CompleteAsync();
        Assert.False(await session.ResponseStream.MoveNextAsync());

        var state = await channel.UnaryAsync(CoordinatorMethods.GetState, new GetStateRequest(), CallOptions.FromTimeout(TimeSpan.FromSeconds(5)));
        Assert.Equal("node-a", state.Vips[0].Node);
        Assert.Contains(state.Vips[0].Candidates, c => c.Reason == RejectionReason.LowerRank);
    }

    [GeneratedRegex(@"^\s*((repeated\s+)?[\w.]+\s+\w+\s*=\s*\d+\s*;|[A-Z][A-Z0-9_]*\s*=\s*\d+\s*;|(message|enum|service)\s+\w+\s*\{|rpc\s+\w+)")]
    private static partial Regex Declaration();

    private static async Task<WebApplication> StartControllerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.UseRpcProtocols()));
        builder.Services.AddEdgeLbRpc().AddService(_ => RpcServiceDefinition.CreateBuilder()
            .AddDuplexStreaming(CoordinatorMethods.Session, FakeSessionAsync)
            .AddUnary(CoordinatorMethods.GetState, (_, _) => Task.FromResult(new GetStateResponse
            {
                Leader = true,
                Vips =
                {
                    new VipState
                    {
                        Address = "198.18.0.100",
                        Node = "node-a",
                        Epoch = 7,
                        Candidates =
                        {
                            new Candidate { Node = "node-a", Chosen = true },
                            new Candidate { Node = "node-b", Reason = RejectionReason.LowerRank },
                        },
                    },
                },
            }))
            .Build());
        var app = builder.Build();
        app.UseEdgeLbRpc();
        await app.StartAsync();
        return app;
    }

    /// <summary>Just enough of a controller to exercise every message kind of the session.</summary>
    private static async Task FakeSessionAsync(IRpcStreamReader<SpeakerMessage> requests, IRpcStreamWriter<ControllerMessage> responses, ServerCallContext context)
    {
        await foreach (var message in requests.ReadAllAsync(context.CancellationToken))
        {
            switch (message.KindCase)
            {
                case SpeakerMessage.KindOneofCase.Hello:
                    await responses.WriteAsync(new ControllerMessage { Configuration = new Configuration { HeartbeatInterval = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)) } });
                    await responses.WriteAsync(new ControllerMessage
                    {
                        Assignment = new Assignment
                        {
                            Address = "198.18.0.100",
                            Family = AddressFamily.Ipv4,
                            Interface = message.Hello.Interfaces[0].Name,
                            Epoch = 7,
                            Ports = { new ServicePort { Protocol = Protocol.Tcp, Port = 80, NodePort = 30080, Backends = { new Backend { Node = "node-b", Address = "198.18.0.3", Port = 30080 } } } },
                        },
                    });
                    break;
                case SpeakerMessage.KindOneofCase.Heartbeat:
                    var ack = new HeartbeatAck { Sequence = message.Heartbeat.Sequence };
                    ack.Renewed.AddRange(message.Heartbeat.Announced.Select(a => new LeaseRenewal { Address = a.Address, Epoch = a.Epoch }));
                    await responses.WriteAsync(new ControllerMessage { HeartbeatAck = ack });
                    break;
                case SpeakerMessage.KindOneofCase.DrainRequest:
                    await responses.WriteAsync(new ControllerMessage { DrainComplete = new DrainComplete() });
                    break;
                default:
                    throw new RpcException(StatusCode.InvalidArgument, "empty speaker message");
            }
        }
    }
}
