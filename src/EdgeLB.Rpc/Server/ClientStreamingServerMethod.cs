namespace EdgeLB.Rpc.Server;

/// <summary>Handles a client-streaming call: any number of requests, one response.</summary>
public delegate Task<TResponse> ClientStreamingServerMethod<TRequest, TResponse>(IRpcStreamReader<TRequest> requestStream, ServerCallContext context);
