using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// What the real API server fills in and checks for Services, as far as EdgeLB depends on it: type,
/// ports' protocol and targetPort, cluster IPs and families, node ports allocated uniquely from the
/// node-port range, healthCheckNodePort for externalTrafficPolicy Local, and the policy defaults.
/// Allocations are derived from the stored Services, so nothing leaks on delete.
/// </summary>
internal sealed class ServiceDefaulter
{
    private static readonly string[] Types = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
    private static readonly string[] Protocols = ["TCP", "UDP", "SCTP"];
    private static readonly string[] TrafficPolicies = ["Cluster", "Local"];
    private static readonly string[] FamilyPolicies = ["SingleStack", "PreferDualStack", "RequireDualStack"];

    // How far into a (possibly huge IPv6) range cluster IPs are handed out.
    private const int MaxClusterIpCandidates = 1_000_000;

    private readonly AddressRange _v4;
    private readonly AddressRange? _v6;
    private readonly int _nodePortMin;
    private readonly int _nodePortMax;

    // Where the next cluster IP search starts in each range; only touched inside the store's lock.
    private readonly Dictionary<AddressRange, System.Numerics.BigInteger> _cursors = [];

    public ServiceDefaulter(InMemoryApiServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _v4 = new AddressRange(options.ServiceClusterIpRange);
        _v6 = string.IsNullOrEmpty(options.ServiceClusterIpRangeV6) ? null : new AddressRange(options.ServiceClusterIpRangeV6);
        _nodePortMin = options.NodePortMin;
        _nodePortMax = options.NodePortMax;
    }

    /// <summary>Node ports and cluster IPs in use; the store keeps it current through <see cref="ObjectStore.Committed"/>.</summary>
    public ServiceAddressIndex Index { get; } = new();

    /// <summary>Defaults and validates <paramref name="svc"/> in place; <paramref name="old"/> is the stored version on update.</summary>
    public void Apply(ResourceType type, JsonObject svc, JsonObject? old)
    {
        var name = JsonTree.GetString(svc, "metadata", "name") ?? "";
        var key = ServiceAddressIndex.KeyOf(svc);
        var errors = new List<FieldError>();
        if (svc["spec"] is not JsonObject spec)
        {
            spec = [];
            svc["spec"] = spec;
        }

        var oldSpec = old?["spec"] as JsonObject;
        var svcType = JsonTree.GetString(spec, "type") ?? "ClusterIP";
        spec["type"] = svcType;
        if (!Types.Contains(svcType))
        {
            errors.Add(FieldError.NotSupported("spec.type", svcType, Types));
            throw ApiException.Invalid(type, name, errors);
        }

        var needsNodePorts = svcType is "NodePort" or "LoadBalancer";
        if (svcType == "LoadBalancer" && spec["allocateLoadBalancerNodePorts"] is null)
        {
            spec["allocateLoadBalancerNodePorts"] = true;
        }

        var allocateNodePorts = svcType == "NodePort" || (svcType == "LoadBalancer" && spec["allocateLoadBalancerNodePorts"]?.GetValue<bool>() != false);
        spec["sessionAffinity"] ??= "None";
        if (svcType != "ExternalName")
        {
            spec["internalTrafficPolicy"] ??= "Cluster";
        }

        if (needsNodePorts)
        {
            var etp = JsonTree.GetString(spec, "externalTrafficPolicy") ?? "Cluster";
            spec["externalTrafficPolicy"] = etp;
            if (!TrafficPolicies.Contains(etp))
            {
                errors.Add(FieldError.NotSupported("spec.externalTrafficPolicy", etp, TrafficPolicies));
            }
        }
        else if (spec["externalTrafficPolicy"] is not null)
        {
            // Only NodePort and LoadBalancer Services route external traffic; the field is cleared, as the real server does.
            spec.Remove("externalTrafficPolicy");
        }

        var used = Index.PortsOfOthers(key);
        var ports = spec["ports"] as JsonArray ?? [];
        var oldPorts = (oldSpec?["ports"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var headless = JsonTree.GetString(spec, "clusterIP") == "None";
        if (ports.Count == 0 && svcType != "ExternalName" && !headless)
        {
            errors.Add(FieldError.Required("spec.ports"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            if (ports[i] is not JsonObject port)
            {
                errors.Add(FieldError.Required($"spec.ports[{i}]"));
                continue;
            }

            DefaultPort(port, i, ports.Count, names, errors);
            var number = JsonTree.GetLong(port["port"]);
            var protocol = JsonTree.GetString(port, "protocol");
            var nodePort = JsonTree.GetLong(port["nodePort"]) ?? 0;
            var previous = oldPorts.FirstOrDefault(p => JsonTree.GetLong(p["port"]) == number && JsonTree.GetString(p, "protocol") == protocol);
            var previousNodePort = previous is null ? 0 : JsonTree.GetLong(previous["nodePort"]) ?? 0;
            if (!needsNodePorts || (!allocateNodePorts && nodePort == 0))
            {
                if (nodePort != 0 && nodePort != previousNodePort)
                {
                    errors.Add(FieldError.InvalidValue($"spec.ports[{i}].nodePort", nodePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "may not be used when `type` is 'ClusterIP'"));
                }

                port.Remove("nodePort");
                continue;
            }

            if (nodePort == 0)
            {
                nodePort = previousNodePort != 0 ? previousNodePort : Allocate(used);
            }
            else if (nodePort < _nodePortMin || nodePort > _nodePortMax)
            {
                errors.Add(FieldError.InvalidValue($"spec.ports[{i}].nodePort", nodePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    $"provided port is not in the valid range. The range of valid ports is {_nodePortMin}-{_nodePortMax}"));
                continue;
            }
            else if (used.Contains((int)nodePort) && nodePort != previousNodePort)
            {
                errors.Add(FieldError.InvalidValue($"spec.ports[{i}].nodePort", nodePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "provided port is already allocated"));
                continue;
            }

            used.Add((int)nodePort);
            port["nodePort"] = nodePort;
        }

        if (needsNodePorts && JsonTree.GetString(spec, "externalTrafficPolicy") == "Local" && svcType == "LoadBalancer")
        {
            var hc = JsonTree.GetLong(spec["healthCheckNodePort"]) ?? JsonTree.GetLong(oldSpec?["healthCheckNodePort"]) ?? 0;
            if (hc == 0)
            {
                hc = Allocate(used);
            }
            else if (used.Contains((int)hc) && hc != JsonTree.GetLong(oldSpec?["healthCheckNodePort"]))
            {
                errors.Add(FieldError.InvalidValue("spec.healthCheckNodePort", hc.ToString(System.Globalization.CultureInfo.InvariantCulture), "provided port is already allocated"));
            }

            spec["healthCheckNodePort"] = hc;
        }
        else
        {
            spec.Remove("healthCheckNodePort");
        }

        if (svcType == "ExternalName")
        {
            if (string.IsNullOrEmpty(JsonTree.GetString(spec, "externalName")))
            {
                errors.Add(FieldError.Required("spec.externalName"));
            }
        }
        else
        {
            AssignClusterIps(spec, oldSpec, key, errors);
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid(type, name, errors);
        }

        if (svc["status"] is not JsonObject status)
        {
            status = [];
            svc["status"] = status;
        }

        status["loadBalancer"] ??= new JsonObject();
    }

    private static void DefaultPort(JsonObject port, int i, int count, HashSet<string> names, List<FieldError> errors)
    {
        var protocol = JsonTree.GetString(port, "protocol") ?? "TCP";
        port["protocol"] = protocol;
        if (!Protocols.Contains(protocol))
        {
            errors.Add(FieldError.NotSupported($"spec.ports[{i}].protocol", protocol, Protocols));
        }

        var number = JsonTree.GetLong(port["port"]);
        if (number is null)
        {
            errors.Add(FieldError.Required($"spec.ports[{i}].port"));
        }
        else if (number is < 1 or > 65535)
        {
            errors.Add(FieldError.InvalidValue($"spec.ports[{i}].port", number.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be between 1 and 65535, inclusive"));
        }

        port["targetPort"] ??= number;
        var name = JsonTree.GetString(port, "name");
        if (count > 1 && string.IsNullOrEmpty(name))
        {
            errors.Add(FieldError.Required($"spec.ports[{i}].name"));
        }
        else if (!string.IsNullOrEmpty(name) && !names.Add(name))
        {
            errors.Add(FieldError.Duplicate($"spec.ports[{i}].name", name));
        }
    }

    private int Allocate(ServiceAddressIndex.Taken<int> used)
    {
        var span = _nodePortMax - _nodePortMin + 1;
        var start = Random.Shared.Next(span);
        for (var i = 0; i < span; i++)
        {
            var candidate = _nodePortMin + ((start + i) % span);
            if (!used.Contains(candidate))
            {
                return candidate;
            }
        }

        throw new ApiException(500, "InternalError", $"range is full: no free node ports in {_nodePortMin}-{_nodePortMax}");
    }

    private void AssignClusterIps(JsonObject spec, JsonObject? oldSpec, string key, List<FieldError> errors)
    {
        var oldIps = (oldSpec?["clusterIPs"] as JsonArray)?.Select(JsonTree.ScalarText).OfType<string>().ToList();
        var requested = (spec["clusterIPs"] as JsonArray)?.Select(JsonTree.ScalarText).OfType<string>().ToList() ?? [];
        var single = JsonTree.GetString(spec, "clusterIP");
        if (requested.Count == 0 && !string.IsNullOrEmpty(single))
        {
            requested.Add(single);
        }

        if (oldIps is { Count: > 0 })
        {
            if (requested.Count > 0 && requested[0] != oldIps[0])
            {
                errors.Add(FieldError.InvalidValue("spec.clusterIPs[0]", requested[0], "may not change once set"));
                return;
            }

            requested = oldIps;
        }

        var policy = JsonTree.GetString(spec, "ipFamilyPolicy") ?? (requested.Count > 1 ? "RequireDualStack" : "SingleStack");
        if (!FamilyPolicies.Contains(policy))
        {
            errors.Add(FieldError.NotSupported("spec.ipFamilyPolicy", policy, FamilyPolicies));
            return;
        }

        var families = (spec["ipFamilies"] as JsonArray)?.Select(JsonTree.ScalarText).OfType<string>().ToList() ?? [];
        if (families.Count == 0)
        {
            families = requested.Count > 0 && requested[0] != "None"
                ? requested.Select(ip => IPAddress.TryParse(ip, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4").ToList()
                : [_v4.FamilyName];
            if (policy != "SingleStack" && _v6 is not null && families.Count == 1)
            {
                families.Add(_v6.FamilyName);
            }
        }

        if (policy == "RequireDualStack" && (_v6 is null || families.Count < 2))
        {
            errors.Add(FieldError.InvalidValue("spec.ipFamilyPolicy", policy, "this cluster is not configured for dual-stack services"));
            return;
        }

        if (requested is ["None"])
        {
            spec["clusterIP"] = "None";
            spec["clusterIPs"] = new JsonArray("None");
        }
        else
        {
            var taken = Index.IpsOfOthers(key);
            var ips = new List<string>();
            for (var i = 0; i < families.Count; i++)
            {
                var range = families[i] == "IPv6" ? _v6 : _v4;
                if (range is null)
                {
                    errors.Add(FieldError.NotSupported($"spec.ipFamilies[{i}]", families[i], [_v4.FamilyName]));
                    return;
                }

                if (i < requested.Count)
                {
                    if (!IPAddress.TryParse(requested[i], out var ip) || !range.Contains(ip))
                    {
                        errors.Add(FieldError.InvalidValue($"spec.clusterIPs[{i}]", requested[i], $"failed to allocate IP {requested[i]}: provided IP is not in the valid range. The range of valid IPs is {range.Network}"));
                        return;
                    }

                    if (oldIps is null && taken.Contains(ip.ToString()))
                    {
                        errors.Add(FieldError.InvalidValue($"spec.clusterIPs[{i}]", requested[i], $"failed to allocate IP {requested[i]}: provided IP is already allocated"));
                        return;
                    }

                    ips.Add(ip.ToString());
                }
                else
                {
                    ips.Add(AllocateIp(range, taken));
                }
            }

            spec["clusterIP"] = ips[0];
            spec["clusterIPs"] = new JsonArray(ips.Select(ip => (JsonNode?)JsonValue.Create(ip)).ToArray());
        }

        spec["ipFamilyPolicy"] = policy;
        spec["ipFamilies"] = new JsonArray(families.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
    }

    /// <summary>
    /// The next free address at or after the range's cursor, wrapping around; the cursor then moves
    /// past it, so creating many Services costs a step each instead of a scan from the start.
    /// </summary>
    private string AllocateIp(AddressRange range, ServiceAddressIndex.Taken<string> taken)
    {
        var first = AddressRange.FirstOffset;
        var last = System.Numerics.BigInteger.Min(range.LastOffset, first + MaxClusterIpCandidates - 1);
        var span = last - first + 1;
        var cursor = _cursors.GetValueOrDefault(range, first);
        for (var i = System.Numerics.BigInteger.Zero; i < span; i++)
        {
            var offset = first + ((cursor - first + i) % span);
            var ip = range.At(offset).ToString();
            if (!taken.Contains(ip))
            {
                _cursors[range] = offset + 1;
                return ip;
            }
        }

        throw new ApiException(500, "InternalError", $"range is full: no free cluster IPs in {range.Network}");
    }
}
