namespace EdgeLB.Rpc;

/// <summary>The four gRPC call shapes.</summary>
public enum MethodType
{
    Unary,
    ServerStreaming,
    ClientStreaming,
    DuplexStreaming,
}
