using System.Collections.Concurrent;
using EdgeLB.Controller.Coordination;
using EdgeLB.Rpc;
using EdgeLB.Rpc.Client;
using EdgeLB.Rpc.Contract;
using EdgeLB.Rpc.Contract.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>
/// A speaker reduced to its session: it talks to the controller through the real EdgeLB.Rpc client
/// over loopback, applies Assignments and Revokes by the epoch rules, and reports what it holds in
/// its heartbeats (one right after every Assignment or Revoke, as real speakers do).
/// </summary>
internal sealed class SimulatedSpeaker : IAsyncDisposable
{
    private readonly RpcChannel _channel;
    private readonly DuplexStreamingCall<SpeakerMessage, ControllerMessage> _call;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Assignment> _holding = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _kill;
    private readonly Task _reader;
    private Task _heartbeats = Task.CompletedTask;
    private ulong _sequence;
    private bool _autoHeartbeat;
    private int _disposed;

    private SimulatedSpeaker(string node, RpcChannel channel, DuplexStreamingCall<SpeakerMessage, ControllerMessage> call, CancellationTokenSource kill)
    {
        Node = node;
        _channel = channel;
        _call = call;
        _kill = kill;
        _reader = ReadAsync();
    }

    public string Node { get; }

    public ConcurrentQueue<ControllerMessage> Received { get; } = new();

    public ConcurrentDictionary<NodePortTarget, bool> Probes { get; } = new();

    /// <summary>How the call ended, once it has.</summary>
    public RpcException? Failure { get; private set; }

    public bool Ended => _reader.IsCompleted;

    public Configuration? Configuration => Received.LastOrDefault(m => m.KindCase == ControllerMessage.KindOneofCase.Configuration)?.Configuration;

    public DrainComplete? DrainComplete => Received.FirstOrDefault(m => m.KindCase == ControllerMessage.KindOneofCase.DrainComplete)?.DrainComplete;

    public int AckCount => Received.Count(m => m.KindCase == ControllerMessage.KindOneofCase.HeartbeatAck);

    public static async Task<SimulatedSpeaker> ConnectAsync(Uri controller, string node, string? token, string address, int prefix = 24, string? instance = null, bool linkUp = true)
    {
        var channel = RpcChannel.Create(controller);
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        var kill = new CancellationTokenSource();
        var call = channel.DuplexStreaming(CoordinatorMethods.Session, new CallOptions(headers, CancellationToken: kill.Token));
        var speaker = new SimulatedSpeaker(node, channel, call, kill);
        var hello = new Hello
        {
            NodeName = node,
            NodeAddresses = { address },
            Version = "test",
            InstanceId = instance ?? Guid.NewGuid().ToString(),
            Capabilities = new Capabilities { Ipv4 = true, Ipv6 = true, ForwardTcp = true, ForwardUdp = true },
            Interfaces =
            {
                new NetworkInterface
                {
                    Name = "eth0",
                    Index = 2,
                    LinkUp = linkUp,
                    Mac = ByteString.CopyFrom(MacOf(node)),
                    Addresses = { new IpPrefix { Address = address, PrefixLength = (uint)prefix } },
                    Mtu = 1500,
                },
            },
        };
        try
        {
            await speaker.SendAsync(new SpeakerMessage { Hello = hello });
        }
        catch (RpcException)
        {
            // Refused before Hello could be written; the reader records why.
        }

        return speaker;
    }

    public static byte[] MacOf(string node) => [0x02, 0x00, .. System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(node))[..4]];

    /// <summary>What this speaker announces now: address → epoch.</summary>
    public IReadOnlyDictionary<string, ulong> Holding
    {
        get
        {
            lock (_gate)
            {
                return _holding.ToDictionary(h => h.Key, h => h.Value.Epoch, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Stops announcing a VIP without telling the controller, as a speaker does when its lease ran out.</summary>
    public void Forget(string address)
    {
        lock (_gate)
        {
            _holding.Remove(address);
        }
    }

    /// <summary>How many of the next Assignments are received but never applied, as by a speaker that cannot set a VIP up.</summary>
    public int Unapplied { get; set; }

    public Assignment? AssignmentOf(string address)
    {
        lock (_gate)
        {
            return _holding.GetValueOrDefault(address);
        }
    }

    /// <summary>Sends heartbeats every <paramref name="interval"/> (real time) and one after each Assignment or Revoke.</summary>
    public void StartHeartbeats(TimeSpan interval)
    {
        _autoHeartbeat = true;
        _heartbeats = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    await HeartbeatAsync();
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException or ObjectDisposedException)
            {
            }
        });
    }

    public async Task StopHeartbeatsAsync()
    {
        _autoHeartbeat = false;
        await _stop.CancelAsync();
        await _heartbeats;
    }

    public async Task HeartbeatAsync(Health health = Health.Ok, IEnumerable<LinkHealth>? links = null)
    {
        var heartbeat = new Heartbeat { Sequence = Interlocked.Increment(ref _sequence), SentAt = Timestamp.FromDateTime(DateTime.UtcNow), NodeHealth = health };
        lock (_gate)
        {
            heartbeat.Announced.AddRange(_holding.Values.Select(a => new AnnouncedVip { Address = a.Address, Epoch = a.Epoch, Interface = a.Interface, LastGarp = heartbeat.SentAt }));
        }

        heartbeat.NodePorts.AddRange(Probes.Select(p => new NodePortHealth { NodeAddress = p.Key.Address, NodePort = p.Key.Port, Protocol = p.Key.Protocol, Healthy = p.Value }));
        heartbeat.Links.AddRange(links ?? []);
        await SendAsync(new SpeakerMessage { Heartbeat = heartbeat });
    }

    /// <summary>Pretends to have announced a VIP before this session (a speaker that kept it through a controller change).</summary>
    public void Hold(string address, ulong epoch)
    {
        lock (_gate)
        {
            _holding[address] = new Assignment { Address = address, Epoch = epoch, Interface = "eth0" };
        }
    }

    public Task DrainAsync() => SendAsync(new SpeakerMessage { DrainRequest = new DrainRequest { Reason = "SIGTERM", Deadline = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)) } });

    /// <summary>Closes the session the way a stopping speaker does: it ends its request stream.</summary>
    public async Task CloseAsync()
    {
        await StopHeartbeatsAsync();
        await _call.RequestStream.CompleteAsync();
        await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Goes silent without closing anything: a dead node or a cut link.</summary>
    public Task GoSilentAsync() => StopHeartbeatsAsync();

    /// <summary>Waits until the controller ends the call and returns how.</summary>
    public async Task<RpcException?> EndAsync()
    {
        await _reader.WaitAsync(TimeSpan.FromSeconds(30));
        return Failure;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopHeartbeatsAsync();

        // Cancelling the call resets the stream: what the controller sees when a speaker process dies.
        await _kill.CancelAsync();
        _call.Dispose();
        await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _channel.Dispose();
        _stop.Dispose();
        _kill.Dispose();
        _writeGate.Dispose();
    }

    private async Task SendAsync(SpeakerMessage message)
    {
        await _writeGate.WaitAsync();
        try
        {
            await _call.RequestStream.WriteAsync(message);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task ReadAsync()
    {
        await Task.Yield();
        try
        {
            while (await _call.ResponseStream.MoveNextAsync())
            {
                var message = _call.ResponseStream.Current;
                Received.Enqueue(message);
                var changed = false;
                lock (_gate)
                {
                    switch (message.KindCase)
                    {
                        case ControllerMessage.KindOneofCase.Assignment:
                            var a = message.Assignment;
                            if (Unapplied > 0)
                            {
                                Unapplied--;
                            }
                            else if (!_holding.TryGetValue(a.Address, out var held) || held.Epoch <= a.Epoch)
                            {
                                _holding[a.Address] = a;
                                changed = true;
                            }

                            break;
                        case ControllerMessage.KindOneofCase.Revoke:
                            var r = message.Revoke;
                            if (_holding.TryGetValue(r.Address, out var h) && h.Epoch <= r.Epoch)
                            {
                                _holding.Remove(r.Address);
                                changed = true;
                            }

                            break;
                        default:
                            break;
                    }
                }

                if (changed && _autoHeartbeat)
                {
                    _ = HeartbeatAsync().ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
        }
        catch (RpcException ex)
        {
            Failure = ex;
        }
        catch (OperationCanceledException)
        {
        }
    }
}
