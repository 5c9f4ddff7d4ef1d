namespace EdgeLB.Rpc.Server;

/// <summary>Handles a server-streaming call: one request, any number of responses.</summary>
public delegate Task ServerStreamingServerMethod<TRequest, TResponse>(TRequest request, IRpcStreamWriter<TResponse> responseStream, ServerCallContext context);
