using System.Net;
using EdgeLB.Kubernetes.Events;
using EdgeLB.Kubernetes.Informers;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Wires the coordinator into the controller: its inputs come from the informer caches, its gRPC
/// endpoint serves on --grpc-listen on every replica (followers redirect), and while this
/// replica leads it publishes its address, relearns and runs the announcement writer.
/// </summary>
internal sealed class CoordinationHost : IAsyncDisposable
{
    private readonly ControllerOptions _options;
    private readonly CoordinatorEndpoint _endpoint;
    private readonly AnnouncementWriter _writer;
    private readonly CoordinatorServer _server;
    private readonly CoordinatorMetrics _metrics = new();
    private readonly ReviewGate _reviews;
    private readonly ILogger _logger;

    public CoordinationHost(
        KubeApiClient client,
        ControllerOptions options,
        string identity,
        Func<CoordinationInputs> inputs,
        InformerCache<Service> services,
        EventRecorder events,
        Func<bool> ready,
        ILoggerFactory loggers,
        TimeProvider time)
    {
        _options = options;
        _reviews = new ReviewGate(options.GrpcMaxAuthenticating);
        _logger = loggers.CreateLogger("EdgeLB.Controller.Coordination");
        _endpoint = new CoordinatorEndpoint(client, options, identity, time, _logger);
        _writer = new AnnouncementWriter(client, services.Get, events, time, _logger);
        Coordinator = new Coordinator(options, inputs, _writer, _metrics, _logger, time);
        var speakers = new SpeakerAuthenticator(client, options, _reviews, time);
        var sessions = new SessionService(
            Coordinator,
            speakers,
            new StateReaderAuthorizer(client, speakers, _reviews, time),
            _endpoint.LeaderAddressAsync,
            refusal => _ = RecordRefusalAsync(events, refusal),
            _metrics,
            identity,
            time,
            _logger);
        _server = new CoordinatorServer(sessions, IPEndPoint.Parse(options.GrpcListen), options.GrpcMaxConnections, ready, loggers);
    }

    public Coordinator Coordinator { get; }

    /// <summary>A Service changed: the writer checks it still shows where it is announced.</summary>
    public void ServiceUpdated(Service old, Service current) => _writer.ServiceUpdated(old, current);

    /// <summary>The gRPC endpoint as speakers should dial it, once started.</summary>
    public string Advertised => _endpoint.Advertised;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _server.StartAsync(cancellationToken);
        _endpoint.Advertised = AdvertisedAddress(_server.Endpoint!);
    }

    /// <summary>Coordinates while <paramref name="leading"/> lasts.</summary>
    public async Task LeadAsync(CancellationToken leading)
    {
        try
        {
            var term = await _endpoint.PublishAsync(leading);
            Coordinator.StartLeading(term);
            await _writer.RunAsync(leading);
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
        }
        finally
        {
            Coordinator.StopLeading();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Coordinator.StopLeading();
        await _server.DisposeAsync();
        Coordinator.Dispose();
        _metrics.Dispose();
        _reviews.Dispose();
    }

    /// <summary>--grpc-advertise, else $POD_IP with the bound port, else the listen address when it is not a wildcard, else the host name.</summary>
    private string AdvertisedAddress(IPEndPoint bound)
    {
        if (!string.IsNullOrWhiteSpace(_options.GrpcAdvertise))
        {
            return _options.GrpcAdvertise;
        }

        var host = Environment.GetEnvironmentVariable("POD_IP") is { Length: > 0 } podIp ? podIp
            : !bound.Address.Equals(IPAddress.Any) && !bound.Address.Equals(IPAddress.IPv6Any) ? bound.Address.ToString()
            : Dns.GetHostName();
        return HostPort.Format(host, bound.Port);
    }

    private static async Task RecordRefusalAsync(EventRecorder events, SessionRefusal refusal)
    {
        ObjectReference involved;
        if (refusal.Pod is { } pod)
        {
            var slash = pod.IndexOf('/', StringComparison.Ordinal);
            involved = new ObjectReference { ApiVersion = "v1", Kind = "Pod", Namespace = pod[..slash], Name = pod[(slash + 1)..] };
        }
        else if (refusal.Node is { } node)
        {
            involved = new ObjectReference { ApiVersion = "v1", Kind = "Node", Name = node };
        }
        else
        {
            return;
        }

        await events.RecordAsync(involved, EventRecorder.Warning, "SpeakerRefused", refusal.Message);
    }
}
