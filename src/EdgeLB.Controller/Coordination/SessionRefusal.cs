using EdgeLB.Rpc;

namespace EdgeLB.Controller.Coordination;

/// <summary>Why a session was refused: the gRPC status, a message for the speaker and the object to put the Warning Event on.</summary>
internal sealed class SessionRefusal : Exception
{
    public SessionRefusal()
    {
    }

    public SessionRefusal(string message)
        : base(message)
    {
    }

    public SessionRefusal(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SessionRefusal(StatusCode status, string message, string? node = null, string? pod = null)
        : base(message)
    {
        Status = status;
        Node = node;
        Pod = pod;
    }

    public StatusCode Status { get; } = StatusCode.PermissionDenied;

    /// <summary>The node the Event is about, when known.</summary>
    public string? Node { get; }

    /// <summary>The pod ("namespace/name") the Event is about, when known.</summary>
    public string? Pod { get; }
}
