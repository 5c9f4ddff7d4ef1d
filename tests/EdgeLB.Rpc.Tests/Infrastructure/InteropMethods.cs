using EdgeLB.Rpc.Tests.Interop;

namespace EdgeLB.Rpc.Tests.Infrastructure;

/// <summary>Method descriptors of edgelb.interop.v1.Interop (Protos/interop.proto).</summary>
internal static class InteropMethods
{
    public const string Service = "edgelb.interop.v1.Interop";

    public static readonly Method<EchoRequest, EchoReply> Unary = new(MethodType.Unary, Service, "Unary", EchoRequest.Parser, EchoReply.Parser);
    public static readonly Method<StreamRequest, EchoReply> ServerStream = new(MethodType.ServerStreaming, Service, "ServerStream", StreamRequest.Parser, EchoReply.Parser);
    public static readonly Method<EchoRequest, Summary> ClientStream = new(MethodType.ClientStreaming, Service, "ClientStream", EchoRequest.Parser, Summary.Parser);
    public static readonly Method<EchoRequest, EchoReply> Bidi = new(MethodType.DuplexStreaming, Service, "Bidi", EchoRequest.Parser, EchoReply.Parser);
    public static readonly Method<FailRequest, Empty> Fail = new(MethodType.Unary, Service, "Fail", FailRequest.Parser, Empty.Parser);
    public static readonly Method<SleepRequest, SleepReply> Sleep = new(MethodType.Unary, Service, "Sleep", SleepRequest.Parser, SleepReply.Parser);
    public static readonly Method<Empty, Stats> GetStats = new(MethodType.Unary, Service, "GetStats", Empty.Parser, Stats.Parser);
    public static readonly Method<Empty, Empty> Missing = new(MethodType.Unary, Service, "NoSuchMethod", Empty.Parser, Empty.Parser);
}
