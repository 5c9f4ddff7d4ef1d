using EdgeLB.Rpc.Server;
using EdgeLB.Rpc.Tests.Interop;

namespace EdgeLB.Rpc.Tests.Infrastructure;

/// <summary>A handler that ignores cancellation, to prove the server still ends the call at its deadline.</summary>
internal static class StubbornService
{
    public static readonly Method<SleepRequest, SleepReply> Sleep =
        new(MethodType.Unary, "edgelb.test.Stubborn", "Sleep", SleepRequest.Parser, SleepReply.Parser);

    public static RpcServiceDefinition CreateDefinition() =>
        RpcServiceDefinition.CreateBuilder()
            .AddUnary(Sleep, async (request, _) =>
            {
#pragma warning disable CA2016 // Ignoring the token is the point of this handler.
                await Task.Delay(request.Milliseconds);
#pragma warning restore CA2016
                return new SleepReply { Completed = true };
            })
            .Build();
}
