using Microsoft.AspNetCore.Http;

namespace EdgeLB.Rpc.Server;

/// <summary>One entry of the server's method table, with its message types closed over.</summary>
internal interface IServerMethod
{
    string Path { get; }

    Task HandleAsync(HttpContext http, RpcServer server, TimeSpan? timeout);
}
