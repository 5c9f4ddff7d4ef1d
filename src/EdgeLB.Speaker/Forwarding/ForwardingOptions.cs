using Microsoft.Extensions.Options;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>Node-wide forwarder settings.</summary>
internal sealed record ForwardingOptions
{
    public DataPlaneKind DataPlane { get; init; } = DataPlaneKind.Userspace;

    /// <summary>The dummy interface that holds assigned VIPs on this node.</summary>
    public string InterfaceName { get; init; } = "edgelb0";

    /// <summary>The nftables table (family inet) the nftables plane owns.</summary>
    public string NftablesTable { get; init; } = "edgelb";

    /// <summary>Whether the forwarder sets the ARP and forwarding sysctls it relies on.</summary>
    public bool ManageSysctls { get; init; } = true;

    /// <summary>
    /// Time allowed for one TCP connect to a backend. NodePorts sit on the local network, where a
    /// healthy connect takes well under a millisecond; anything slower is tried on the next backend.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How many backends a new connection tries before the client is reset.</summary>
    public int ConnectAttempts { get; init; } = 3;

    /// <summary>A TCP connection with no bytes either way for this long is closed.</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>A UDP flow with no datagram either way for this long is forgotten.</summary>
    public TimeSpan UdpIdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long connections to a backend that left or failed may continue; null lets them run until
    /// they close by themselves.
    /// </summary>
    public TimeSpan? DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes read per copy in each direction of a TCP connection.</summary>
    public int TcpBufferSize { get; init; } = 16 * 1024;

    public int ListenBacklog { get; init; } = 4096;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(InterfaceName) || InterfaceName.Length > 15)
        {
            throw Invalid($"interface name '{InterfaceName}' must be 1-15 characters");
        }

        if (string.IsNullOrWhiteSpace(NftablesTable) || !NftablesTable.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw Invalid($"nftables table '{NftablesTable}' must be letters, digits, '_' or '-'");
        }

        if (ConnectTimeout <= TimeSpan.Zero || TcpIdleTimeout <= TimeSpan.Zero || UdpIdleTimeout <= TimeSpan.Zero)
        {
            throw Invalid("timeouts must be positive");
        }

        if (ConnectAttempts < 1)
        {
            throw Invalid("at least one connect attempt");
        }

        if (TcpBufferSize is < 1024 or > 1024 * 1024)
        {
            throw Invalid("buffer size must be 1 KiB-1 MiB");
        }
    }

    private static OptionsValidationException Invalid(string message) =>
        new(nameof(ForwardingOptions), typeof(ForwardingOptions), [message]);
}
