namespace EdgeLB.Sandbox.Lab;

/// <summary>A node of the lab: its host, a thread in its namespace, its speaker and its NodePort backends.</summary>
public sealed class LabNode(string name, LabHost host, NamespaceThread thread, string tokenPath)
{
    public string Name { get; } = name;

    public LabHost Host { get; } = host;

    public NamespaceThread Thread { get; } = thread;

    /// <summary>The projected-token stand-in the speaker reads.</summary>
    public string TokenPath { get; } = tokenPath;

    public LabProcess? Speaker { get; internal set; }

    /// <summary>Whether the node's traffic to the coordinator is being dropped (see <see cref="LabCluster.BlockCoordinatorAsync"/>).</summary>
    public bool Partitioned { get; internal set; }

    internal Dictionary<int, NodePortBackend> Backends { get; } = [];

    /// <summary>The ports this node's backends listen on.</summary>
    public IReadOnlyCollection<int> BackendPorts => Backends.Keys;

    /// <summary>Stops this node's NodePort stand-in on <paramref name="port"/>: new connections are refused from now on.</summary>
    public async Task StopBackendAsync(int port)
    {
        if (Backends.Remove(port, out var backend))
        {
            await backend.DisposeAsync();
        }
    }
}
