namespace EdgeLB.Speaker.Forwarding;

/// <summary>No eligible backend is left for a new connection.</summary>
internal sealed class NoBackendException : Exception
{
    public NoBackendException()
        : base("no eligible backend")
    {
    }

    public NoBackendException(string message)
        : base(message)
    {
    }

    public NoBackendException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
