namespace EdgeLB.Rpc.Server;

/// <summary>Handles a bidirectional call: both sides stream independently.</summary>
public delegate Task DuplexStreamingServerMethod<TRequest, TResponse>(IRpcStreamReader<TRequest> requestStream, IRpcStreamWriter<TResponse> responseStream, ServerCallContext context);
