using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Rpc.Contract;

/// <summary>Method descriptors of edgelb.v1.Coordinator (proto/edgelb/v1/coordinator.proto).</summary>
public static class CoordinatorMethods
{
    public const string ServiceName = "edgelb.v1.Coordinator";

    /// <summary>The per-speaker bidirectional session.</summary>
    public static readonly Method<SpeakerMessage, ControllerMessage> Session =
        new(MethodType.DuplexStreaming, ServiceName, "Session", SpeakerMessage.Parser, ControllerMessage.Parser);

    /// <summary>The operator state view.</summary>
    public static readonly Method<GetStateRequest, GetStateResponse> GetState =
        new(MethodType.Unary, ServiceName, "GetState", GetStateRequest.Parser, GetStateResponse.Parser);
}
