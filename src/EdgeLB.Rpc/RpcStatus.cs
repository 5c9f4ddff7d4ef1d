namespace EdgeLB.Rpc;

/// <summary>The outcome of a call: a code and an optional human-readable detail (grpc-message).</summary>
public readonly record struct RpcStatus(StatusCode Code, string Detail)
{
    public static RpcStatus Ok => new(StatusCode.OK, string.Empty);

    public override string ToString() => Detail.Length == 0 ? Code.ToString() : $"{Code}: {Detail}";
}
