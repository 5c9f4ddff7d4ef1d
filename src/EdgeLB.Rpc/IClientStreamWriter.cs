namespace EdgeLB.Rpc;

/// <summary>The request side of a client-streaming or bidi call.</summary>
public interface IClientStreamWriter<in T> : IRpcStreamWriter<T>
{
    /// <summary>Ends the request stream (END_STREAM); the server sees the end of its input.</summary>
    Task CompleteAsync();
}
