namespace EdgeLB.Rpc;

/// <summary>A call ended with a status other than OK, on either side.</summary>
/// <remarks>
/// Server handlers throw it to end a call with a chosen status and trailers; client helpers throw it
/// when the server (or the transport, or a deadline) ended the call with an error.
/// </remarks>
public sealed class RpcException : Exception
{
    public RpcException()
        : this(new RpcStatus(StatusCode.Unknown, string.Empty))
    {
    }

    public RpcException(string message)
        : this(new RpcStatus(StatusCode.Unknown, message))
    {
    }

    public RpcException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = new RpcStatus(StatusCode.Unknown, message);
        Trailers = new Metadata();
    }

    public RpcException(RpcStatus status, Metadata? trailers = null, Exception? innerException = null)
        : base(status.ToString(), innerException)
    {
        Status = status;
        Trailers = trailers ?? new Metadata();
    }

    public RpcException(StatusCode code, string detail)
        : this(new RpcStatus(code, detail))
    {
    }

    public RpcStatus Status { get; }

    public StatusCode StatusCode => Status.Code;

    public string Detail => Status.Detail;

    /// <summary>Trailing metadata the server sent with the status (client side), or will send (server side).</summary>
    public Metadata Trailers { get; }
}
