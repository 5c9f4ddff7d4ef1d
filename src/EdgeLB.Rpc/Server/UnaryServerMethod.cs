namespace EdgeLB.Rpc.Server;

/// <summary>Handles a unary call: one request, one response.</summary>
public delegate Task<TResponse> UnaryServerMethod<TRequest, TResponse>(TRequest request, ServerCallContext context);
