namespace EdgeLB.Sandbox.Lab;

/// <summary>One host of a <see cref="NetworkLab"/>: its namespace, addresses and MAC.</summary>
public sealed record LabHost(NetworkLab Lab, string Namespace, string Role, string IPv4, string IPv6, string Mac, string BridgePort)
{
    public Task<string> RunAsync(params string[] command) => NetworkLab.RunAsync(Namespace, command);

    /// <summary>Sets a sysctl inside this host's namespace, e.g. <c>net.ipv4.conf.eth0.arp_accept</c>.</summary>
    public Task SysctlAsync(string key, string value) => RunAsync("sysctl", "-q", "-w", $"{key}={value}");

    /// <summary>A thread inside this host's namespace, for creating sockets there from the test process.</summary>
    public NamespaceThread EnterThread() => new(Namespace);
}
