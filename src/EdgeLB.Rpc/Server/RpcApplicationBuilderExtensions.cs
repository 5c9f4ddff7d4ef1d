using EdgeLB.Rpc.Server;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

public static class RpcApplicationBuilderExtensions
{
    /// <summary>
    /// Serves the registered RPC methods. Requests for unknown paths that do not look like gRPC pass
    /// on to the rest of the pipeline; gRPC requests for unknown methods get UNIMPLEMENTED.
    /// </summary>
    public static IApplicationBuilder UseEdgeLbRpc(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var server = app.ApplicationServices.GetRequiredService<RpcServer>();
        return app.Use(next => http => server.HandleAsync(http, next));
    }
}
