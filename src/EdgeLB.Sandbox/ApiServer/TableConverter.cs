using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// Server-side printing (Accept: application/json;as=Table;v=v1;g=meta.k8s.io): the columns
/// <c>kubectl get</c> shows. Services get the real server's columns; other kinds the ones their
/// printers or CRD printer columns define, or NAME/AGE.
/// </summary>
internal sealed class TableConverter
{
    private readonly TimeProvider _time;

    public TableConverter(TimeProvider time) => _time = time;

    public static bool Wants(string? accept) =>
        accept is not null && accept.Contains("as=Table", StringComparison.Ordinal) && accept.Contains("g=meta.k8s.io", StringComparison.Ordinal);

    public JsonObject Convert(ResourceType type, IEnumerable<JsonObject> items, string includeObject, bool withColumns, JsonObject? listMeta = null)
    {
        var columns = ColumnsFor(type);
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var cells = new JsonArray(columns.Select(c => c.Cell(item)).ToArray());
            var row = new JsonObject { ["cells"] = cells };
            switch (includeObject)
            {
                case "None":
                    break;
                case "Object":
                    row["object"] = item.DeepClone();
                    break;
                default:
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = item["metadata"]?.DeepClone(),
                    };
                    break;
            }

            rows.Add((JsonNode)row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = listMeta ?? [],
            ["columnDefinitions"] = withColumns ? new JsonArray(columns.Select(c => (JsonNode?)c.Definition()).ToArray()) : new JsonArray(),
            ["rows"] = rows,
        };
    }

    private List<TableColumn> ColumnsFor(ResourceType type)
    {
        var name = new TableColumn("Name", "string", "name", "Name must be unique within a namespace.", 0, o => JsonTree.GetString(o, "metadata", "name"));
        var age = new TableColumn("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0, Age);
        return type.Kind switch
        {
            "Service" =>
            [
                name,
                new("Type", "string", "", "The type of service.", 0, o => JsonTree.GetString(o, "spec", "type")),
                new("Cluster-IP", "string", "", "The cluster IP of the service.", 0, o => JsonTree.GetString(o, "spec", "clusterIP") is { Length: > 0 } ip ? ip : "<none>"),
                new("External-IP", "string", "", "The external IP of the service.", 0, ServiceExternalIp),
                new("Port(s)", "string", "", "The ports of the service.", 0, ServicePorts),
                age,
                new("Selector", "string", "", "The selector of the service.", 1, ServiceSelector),
            ],
            "Node" =>
            [
                name,
                new("Status", "string", "", "The status of the node.", 0, NodeStatus),
                new("Roles", "string", "", "The roles of the node.", 0, NodeRoles),
                age,
                new("Version", "string", "", "Kubelet version.", 0, o => JsonTree.GetString(o, "status", "nodeInfo", "kubeletVersion") ?? ""),
                new("Internal-IP", "string", "", "Internal IP of the node.", 1, o => NodeAddress(o, "InternalIP")),
                new("External-IP", "string", "", "External IP of the node.", 1, o => NodeAddress(o, "ExternalIP")),
                new("OS-Image", "string", "", "OS image.", 1, o => JsonTree.GetString(o, "status", "nodeInfo", "osImage") ?? "<unknown>"),
                new("Kernel-Version", "string", "", "Kernel version.", 1, o => JsonTree.GetString(o, "status", "nodeInfo", "kernelVersion") ?? "<unknown>"),
                new("Container-Runtime", "string", "", "Container runtime.", 1, o => JsonTree.GetString(o, "status", "nodeInfo", "containerRuntimeVersion") ?? "<unknown>"),
            ],
            "Namespace" =>
            [
                name,
                new("Status", "string", "", "The status of the namespace.", 0, o => JsonTree.GetString(o, "status", "phase") ?? ""),
                age,
            ],
            "Event" =>
            [
                new("Last Seen", "string", "", "Time of the last occurrence.", 0, EventLastSeen),
                new("Type", "string", "", "Type of the event.", 0, o => JsonTree.GetString(o, "type") ?? ""),
                new("Reason", "string", "", "Reason of the event.", 0, o => JsonTree.GetString(o, "reason") ?? ""),
                new("Object", "string", "", "The object the event is about.", 0, o => $"{JsonTree.GetString(o, "involvedObject", "kind")?.ToLowerInvariant()}/{JsonTree.GetString(o, "involvedObject", "name")}"),
                new("Message", "string", "", "Message of the event.", 0, o => JsonTree.GetString(o, "message") ?? ""),
            ],
            "Lease" =>
            [
                name,
                new("Holder", "string", "", "The holder of the lease.", 0, o => JsonTree.GetString(o, "spec", "holderIdentity") ?? ""),
                age,
            ],
            "EndpointSlice" =>
            [
                name,
                new("AddressType", "string", "", "Address type.", 0, o => JsonTree.GetString(o, "addressType") ?? ""),
                new("Ports", "string", "", "Ports.", 0, o => Join(JsonTree.Walk(o, "ports"), p => JsonTree.ScalarText(JsonTree.Walk(p, "port")))),
                new("Endpoints", "string", "", "Endpoint addresses.", 0, o => Join(JsonTree.Walk(o, "endpoints"), e => Join(JsonTree.Walk(e, "addresses"), JsonTree.ScalarText))),
                age,
            ],
            "IPAddressPool" =>
            [
                name,
                new("Auto Assign", "boolean", "", "Whether the pool is used for automatic assignment.", 0, o => JsonValue.Create(JsonTree.Walk(o, "spec", "autoAssign") is JsonValue v ? v.GetValue<bool>() : true)),
                new("Avoid Buggy IPs", "boolean", "", "Whether .0 and .255 addresses are skipped.", 0, o => JsonValue.Create(JsonTree.Walk(o, "spec", "avoidBuggyIPs") is JsonValue v && v.GetValue<bool>())),
                new("Addresses", "string", "", "The address ranges of the pool.", 0, o => Join(JsonTree.Walk(o, "spec", "addresses"), JsonTree.ScalarText)),
                age,
            ],
            "L2Advertisement" =>
            [
                name,
                new("IPAddressPools", "string", "", "The pools announced.", 0, o => Join(JsonTree.Walk(o, "spec", "ipAddressPools"), JsonTree.ScalarText)),
                new("Interfaces", "string", "", "The interfaces announced on.", 0, o => Join(JsonTree.Walk(o, "spec", "interfaces"), JsonTree.ScalarText)),
                age,
            ],
            _ => [name, age],
        };
    }

    private JsonNode? Age(JsonObject o) =>
        JsonTree.ParseTime(JsonTree.GetString(o, "metadata", "creationTimestamp")) is { } created
            ? HumanDuration.Format(_time.GetUtcNow() - created)
            : "<unknown>";

    private JsonNode? EventLastSeen(JsonObject o)
    {
        var text = JsonTree.GetString(o, "lastTimestamp") ?? JsonTree.GetString(o, "eventTime") ?? JsonTree.GetString(o, "metadata", "creationTimestamp");
        return JsonTree.ParseTime(text) is { } t ? HumanDuration.Format(_time.GetUtcNow() - t) : "<unknown>";
    }

    private static JsonNode? ServiceExternalIp(JsonObject o)
    {
        var type = JsonTree.GetString(o, "spec", "type");
        var external = (JsonTree.Walk(o, "spec", "externalIPs") as JsonArray ?? []).Select(JsonTree.ScalarText).OfType<string>().ToList();
        switch (type)
        {
            case "LoadBalancer":
                var ingress = (JsonTree.Walk(o, "status", "loadBalancer", "ingress") as JsonArray ?? [])
                    .Select(i => JsonTree.GetString(i, "ip") ?? JsonTree.GetString(i, "hostname"))
                    .OfType<string>()
                    .Concat(external)
                    .ToList();
                return ingress.Count > 0 ? string.Join(",", ingress) : "<pending>";
            case "ExternalName":
                return JsonTree.GetString(o, "spec", "externalName") ?? "<none>";
            default:
                return external.Count > 0 ? string.Join(",", external) : "<none>";
        }
    }

    private static JsonNode? ServicePorts(JsonObject o)
    {
        var ports = (JsonTree.Walk(o, "spec", "ports") as JsonArray ?? []).OfType<JsonObject>().Select(p =>
        {
            var port = JsonTree.ScalarText(p["port"]);
            var nodePort = JsonTree.GetLong(p["nodePort"]);
            var protocol = JsonTree.GetString(p, "protocol") ?? "TCP";
            return nodePort is > 0 ? $"{port}:{nodePort}/{protocol}" : $"{port}/{protocol}";
        }).ToList();
        return ports.Count > 0 ? string.Join(",", ports) : "<none>";
    }

    private static JsonNode? ServiceSelector(JsonObject o) =>
        JsonTree.Walk(o, "spec", "selector") is JsonObject { Count: > 0 } sel
            ? string.Join(",", sel.Select(kv => $"{kv.Key}={JsonTree.ScalarText(kv.Value)}"))
            : "<none>";

    private static JsonNode? NodeStatus(JsonObject o)
    {
        var ready = (JsonTree.Walk(o, "status", "conditions") as JsonArray ?? []).OfType<JsonObject>()
            .FirstOrDefault(c => JsonTree.GetString(c, "type") == "Ready");
        var status = JsonTree.GetString(ready, "status") switch
        {
            "True" => "Ready",
            "False" => "NotReady",
            _ => "Unknown",
        };
        if (JsonTree.Walk(o, "spec", "unschedulable") is JsonValue v && v.GetValue<bool>())
        {
            status += ",SchedulingDisabled";
        }

        return status;
    }

    private static JsonNode? NodeRoles(JsonObject o)
    {
        const string Prefix = "node-role.kubernetes.io/";
        var roles = JsonTree.Labels(o).Keys.Where(k => k.StartsWith(Prefix, StringComparison.Ordinal)).Select(k => k[Prefix.Length..]).Order(StringComparer.Ordinal).ToList();
        return roles.Count > 0 ? string.Join(",", roles) : "<none>";
    }

    private static string NodeAddress(JsonObject o, string type) =>
        (JsonTree.Walk(o, "status", "addresses") as JsonArray ?? []).OfType<JsonObject>()
            .Where(a => JsonTree.GetString(a, "type") == type).Select(a => JsonTree.GetString(a, "address")).FirstOrDefault() ?? "<none>";

    private static string Join(JsonNode? list, Func<JsonNode?, string?> select)
    {
        var parts = (list as JsonArray ?? []).Select(select).OfType<string>().ToList();
        return parts.Count > 0 ? string.Join(",", parts) : "<unset>";
    }
}
