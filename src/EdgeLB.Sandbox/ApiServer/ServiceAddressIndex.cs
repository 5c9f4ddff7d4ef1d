using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// Which Service holds which node port and cluster IP, kept current from the store's commits so a
/// write never has to walk every stored Service (that made creating 10,000 Services quadratic).
/// Updated and read inside the store's lock.
/// </summary>
internal sealed class ServiceAddressIndex
{
    private readonly Dictionary<string, (int[] Ports, string[] Ips)> _byService = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _portOwners = [];
    private readonly Dictionary<string, string> _ipOwners = new(StringComparer.Ordinal);

    public static string KeyOf(JsonObject svc) =>
        $"{JsonTree.GetString(svc, "metadata", "namespace")}/{JsonTree.GetString(svc, "metadata", "name")}";

    /// <summary>Records a committed Service (null: deleted).</summary>
    public void Update(string key, JsonObject? svc)
    {
        if (_byService.Remove(key, out var old))
        {
            foreach (var port in old.Ports)
            {
                _portOwners.Remove(port);
            }

            foreach (var ip in old.Ips)
            {
                _ipOwners.Remove(ip);
            }
        }

        if (svc is null)
        {
            return;
        }

        var ports = new List<int>();
        foreach (var p in (JsonTree.Walk(svc, "spec", "ports") as JsonArray ?? []).OfType<JsonObject>())
        {
            if (JsonTree.GetLong(p["nodePort"]) is { } np)
            {
                ports.Add((int)np);
            }
        }

        if (JsonTree.GetLong(JsonTree.Walk(svc, "spec", "healthCheckNodePort")) is { } hc)
        {
            ports.Add((int)hc);
        }

        var ips = (JsonTree.Walk(svc, "spec", "clusterIPs") as JsonArray ?? []).Select(JsonTree.ScalarText).OfType<string>().Where(ip => ip != "None").ToArray();
        _byService[key] = ([.. ports], ips);
        foreach (var port in ports)
        {
            _portOwners[port] = key;
        }

        foreach (var ip in ips)
        {
            _ipOwners[ip] = key;
        }
    }

    /// <summary>Node ports held by Services other than <paramref name="key"/>.</summary>
    public Taken<int> PortsOfOthers(string key) => new(_portOwners, key);

    /// <summary>Cluster IPs held by Services other than <paramref name="key"/>.</summary>
    public Taken<string> IpsOfOthers(string key) => new(_ipOwners, key);

    /// <summary>
    /// What one write may not take: whatever another Service holds, plus what this write took
    /// already. A view, so a write costs nothing in the number of stored Services.
    /// </summary>
    internal sealed class Taken<T>(Dictionary<T, string> owners, string self)
        where T : notnull
    {
        private readonly HashSet<T> _mine = [];

        public bool Contains(T item) => _mine.Contains(item) || (owners.TryGetValue(item, out var owner) && owner != self);

        public void Add(T item) => _mine.Add(item);
    }
}
