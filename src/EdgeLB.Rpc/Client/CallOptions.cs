namespace EdgeLB.Rpc.Client;

/// <summary>Per-call settings.</summary>
/// <param name="Headers">Request metadata, e.g. "authorization: Bearer ...".</param>
/// <param name="Deadline">When the call must be over; sent as grpc-timeout and enforced locally.</param>
/// <param name="CancellationToken">Cancels the call (the stream is reset with CANCEL).</param>
public readonly record struct CallOptions(Metadata? Headers = null, DateTimeOffset? Deadline = null, CancellationToken CancellationToken = default)
{
    /// <summary>Options with a deadline <paramref name="timeout"/> from now by the system clock.</summary>
    public static CallOptions FromTimeout(TimeSpan timeout, Metadata? headers = null, CancellationToken cancellationToken = default) =>
        new(headers, DateTimeOffset.UtcNow + timeout, cancellationToken);
}
