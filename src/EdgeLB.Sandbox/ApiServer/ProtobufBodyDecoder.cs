using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// Decodes the protobuf request bodies kubectl's typed clients send (<c>kubectl create namespace</c>,
/// <c>create configmap</c>, <c>create service</c>): the "k8s\0" envelope around runtime.Unknown, then
/// ObjectMeta and the few spec fields of those kinds. Other kinds get 415 and must be sent as JSON.
/// Field numbers are those of k8s.io/api's generated.proto.
/// </summary>
internal static class ProtobufBodyDecoder
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw ApiException.BadRequest("protobuf body without the k8s envelope");
        }

        var envelope = new ProtobufReader(body[Magic.Length..]);
        string? apiVersion = null;
        string? kind = null;
        ReadOnlySpan<byte> raw = default;
        while (envelope.Next(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == 2:
                    var typeMeta = new ProtobufReader(envelope.ReadBytes());
                    while (typeMeta.Next(out var f, out var w))
                    {
                        if (f == 1 && w == 2)
                        {
                            apiVersion = typeMeta.ReadString();
                        }
                        else if (f == 2 && w == 2)
                        {
                            kind = typeMeta.ReadString();
                        }
                        else
                        {
                            typeMeta.Skip(w);
                        }
                    }

                    break;
                case 2 when wire == 2:
                    raw = envelope.ReadBytes();
                    break;
                default:
                    envelope.Skip(wire);
                    break;
            }
        }

        var obj = new JsonObject { ["kind"] = kind, ["apiVersion"] = apiVersion };
        var reader = new ProtobufReader(raw);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                obj["metadata"] = ObjectMeta(reader.ReadBytes());
                continue;
            }

            switch (kind, field, wire)
            {
                case ("ConfigMap", 2, 2):
                    AddMapEntry(obj, "data", reader.ReadBytes());
                    break;
                case ("ConfigMap", 4, 0):
                    obj["immutable"] = reader.ReadVarint() != 0;
                    break;
                case ("Service", 2, 2):
                    obj["spec"] = ServiceSpec(reader.ReadBytes());
                    break;
                case ("Namespace", _, _):
                    // Spec (finalizers) and status are set by the server.
                    reader.Skip(wire);
                    break;
                case ("ConfigMap" or "Service", _, _):
                    reader.Skip(wire);
                    break;
                default:
                    throw new ApiException(415, "UnsupportedMediaType",
                        $"protobuf bodies are understood only for Namespace, ConfigMap and Service, not {kind}; send application/json");
            }
        }

        return obj;
    }

    private static JsonObject ObjectMeta(ReadOnlySpan<byte> data)
    {
        var meta = new JsonObject();
        var reader = new ProtobufReader(data);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2):
                    meta["name"] = reader.ReadString();
                    break;
                case (2, 2):
                    meta["generateName"] = reader.ReadString();
                    break;
                case (3, 2):
                    meta["namespace"] = reader.ReadString();
                    break;
                case (6, 2):
                    meta["resourceVersion"] = reader.ReadString();
                    break;
                case (11, 2):
                    AddMapEntry(meta, "labels", reader.ReadBytes());
                    break;
                case (12, 2):
                    AddMapEntry(meta, "annotations", reader.ReadBytes());
                    break;
                case (14, 2):
                    if (meta["finalizers"] is not JsonArray finalizers)
                    {
                        finalizers = [];
                        meta["finalizers"] = finalizers;
                    }

                    finalizers.Add((JsonNode?)JsonValue.Create(reader.ReadString()));
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return meta;
    }

    private static JsonObject ServiceSpec(ReadOnlySpan<byte> data)
    {
        var spec = new JsonObject();
        var reader = new ProtobufReader(data);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2):
                    if (spec["ports"] is not JsonArray ports)
                    {
                        ports = [];
                        spec["ports"] = ports;
                    }

                    ports.Add((JsonNode)ServicePort(reader.ReadBytes()));
                    break;
                case (2, 2):
                    AddMapEntry(spec, "selector", reader.ReadBytes());
                    break;
                case (3, 2):
                    var clusterIp = reader.ReadString();
                    if (clusterIp.Length > 0)
                    {
                        spec["clusterIP"] = clusterIp;
                    }

                    break;
                case (4, 2):
                    SetIfNotEmpty(spec, "type", reader.ReadString());
                    break;
                case (10, 2):
                    SetIfNotEmpty(spec, "externalName", reader.ReadString());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return spec;
    }

    private static JsonObject ServicePort(ReadOnlySpan<byte> data)
    {
        var port = new JsonObject();
        var reader = new ProtobufReader(data);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2):
                    port["name"] = reader.ReadString();
                    break;
                case (2, 2):
                    port["protocol"] = reader.ReadString();
                    break;
                case (3, 0):
                    port["port"] = (int)reader.ReadVarint();
                    break;
                case (4, 2):
                    port["targetPort"] = IntOrString(reader.ReadBytes());
                    break;
                case (5, 0):
                    var nodePort = (int)reader.ReadVarint();
                    if (nodePort != 0)
                    {
                        port["nodePort"] = nodePort;
                    }

                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return port;
    }

    private static JsonValue IntOrString(ReadOnlySpan<byte> data)
    {
        var reader = new ProtobufReader(data);
        long type = 0;
        var intVal = 0;
        var strVal = "";
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 0):
                    type = (long)reader.ReadVarint();
                    break;
                case (2, 0):
                    intVal = (int)reader.ReadVarint();
                    break;
                case (3, 2):
                    strVal = reader.ReadString();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return type == 1 ? JsonValue.Create(strVal) : JsonValue.Create(intVal);
    }

    private static void SetIfNotEmpty(JsonObject obj, string field, string value)
    {
        // proto3 strings have no "unset"; an empty one means the field was not given.
        if (value.Length > 0)
        {
            obj[field] = value;
        }
    }

    private static void AddMapEntry(JsonObject parent, string field, ReadOnlySpan<byte> entry)
    {
        var reader = new ProtobufReader(entry);
        var key = "";
        var value = "";
        while (reader.Next(out var f, out var w))
        {
            if (f == 1 && w == 2)
            {
                key = reader.ReadString();
            }
            else if (f == 2 && w == 2)
            {
                value = reader.ReadString();
            }
            else
            {
                reader.Skip(w);
            }
        }

        if (parent[field] is not JsonObject map)
        {
            map = [];
            parent[field] = map;
        }

        map[key] = value;
    }
}
