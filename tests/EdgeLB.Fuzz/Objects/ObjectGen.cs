using System.Text.Json.Nodes;
using CsCheck;
using EdgeLB.Core.Allocation;

namespace EdgeLB.Fuzz.Objects;

/// <summary>
/// The objects the controller reads, as the JSON an API server would send: pools with overlapping,
/// inverted, enormous and malformed ranges and long lists; Services with garbage annotations,
/// addresses and families; L2Advertisements with odd selectors and interfaces.
/// </summary>
internal static class ObjectGen
{
    private static readonly Gen<string> Text = Gen.Frequency(
        (16, Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-./:,"], 0, 20]),
        (4, Gen.String[0, 30]),
        (1, Gen.Int[300, 1000].Select(n => new string('a', n))));

    private static readonly Gen<string> Name = Gen.Frequency((6, Gen.Int[0, 4].Select(i => $"p{i}")), (1, Text));

    private static readonly Gen<string> V4 = Gen.Select(Gen.Int[0, 3], Gen.Byte, (a, b) => $"198.18.{a}.{b}");

    private static readonly Gen<string> V6 = Gen.UShort.Select(x => $"2001:db8::{x:x}");

    public static readonly Gen<string> Address = Gen.Frequency(
        (4, V4), (2, V6), (1, Text),
        (1, Gen.OneOf("", "0.0.0.0", "255.255.255.255", "::", "198.18.0.256", "198.18.0.1 ", "198.018.0.1", "::ffff:198.18.0.1", "fe80::1%eth0", "1.2.3")));

    public static readonly Gen<string> Range = Gen.Frequency(
        (6, Gen.Select(Gen.Int[0, 3], Gen.Byte, Gen.Byte, (a, b, c) => $"198.18.{a}.{Math.Min(b, c)}-198.18.{a}.{Math.Max(b, c)}")),
        (6, Gen.Select(Gen.Int[0, 3], Gen.Int[24, 32], (a, p) => $"198.18.{a}.0/{p}")),
        (4, Gen.Select(V4, V4, (a, b) => $"{a}-{b}")),
        (3, Gen.Select(Gen.Int[0, 3], Gen.Int[0, 33], (a, p) => $"198.18.{a}.0/{p}")),
        (2, Gen.Select(V6, V6, (a, b) => $"{a}-{b}")),
        (2, Gen.Int[0, 129].Select(p => $"2001:db8::/{p}")),
        (1, Address),
        (1, Gen.Select(V4, V6, (a, b) => $"{a}-{b}")),
        (1, Gen.OneOf("0.0.0.0/0", "::/0", "198.18.0.10-", "-198.18.0.10", "198.18.0.0/-1", "198.18.0.0/24/24", "198.18.0.5-198.18.0.5", "a-b")));

    private static readonly Gen<JsonArray> Strings = Text.Array[0, 3].Select(a => new JsonArray([.. a.Select(s => (JsonNode?)s)]));

    private static readonly Gen<JsonObject> Selector = Gen.Select(
        Gen.Select(Text, Text, (k, v) => (k, v)).Array[0, 2],
        Gen.Select(Text, Gen.OneOf("In", "NotIn", "Exists", "DoesNotExist", "Bogus", ""), Strings, (k, o, v) => new JsonObject { ["key"] = k, ["operator"] = o, ["values"] = v }).Array[0, 2],
        (labels, expressions) =>
        {
            var matchLabels = new JsonObject();
            foreach (var (k, v) in labels)
            {
                matchLabels[k] = v;
            }

            return new JsonObject { ["matchLabels"] = matchLabels, ["matchExpressions"] = new JsonArray([.. expressions]) };
        });

    public static readonly Gen<string> Pool = Gen.Select(
        Name,
        Gen.Frequency((8, Range.Array[0, 6]), (1, Range.Array[50, 300])),
        Gen.Frequency((2, Gen.Const((bool?)null)), (1, Gen.Bool.Select(b => (bool?)b))),
        Gen.Frequency((2, Gen.Const((bool?)null)), (1, Gen.Bool.Select(b => (bool?)b))),
        Gen.Frequency((3, Gen.Const((JsonObject?)null)), (1, Gen.Select(Gen.Int, Strings, Selector.Array[0, 2], (p, ns, sel) => (JsonObject?)new JsonObject { ["priority"] = p, ["namespaces"] = ns, ["serviceSelectors"] = new JsonArray([.. sel]) }))),
        (name, ranges, auto, buggy, allocation) =>
        {
            var spec = new JsonObject { ["addresses"] = new JsonArray([.. ranges.Select(r => (JsonNode?)r)]) };
            if (auto is { } a)
            {
                spec["autoAssign"] = a;
            }

            if (buggy is { } b)
            {
                spec["avoidBuggyIPs"] = b;
            }

            if (allocation is not null)
            {
                spec["serviceAllocation"] = allocation;
            }

            return new JsonObject { ["apiVersion"] = "edgelb.io/v1alpha1", ["kind"] = "IPAddressPool", ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "edgelb-system" }, ["spec"] = spec }.ToJsonString();
        });

    public static readonly Gen<string> Service = Gen.Select(
        Gen.Select(Gen.Int[0, 6].Select(i => $"s{i}"), Gen.OneOf("default", "other", ""), (n, ns) => (n, ns)),
        Gen.Select(
            Gen.Frequency((3, Gen.Const((string?)null)), (2, Name.Select(n => (string?)n))),
            Gen.Frequency((3, Gen.Const((string?)null)), (1, Address.Array[0, 3].Select(a => (string?)string.Join(',', a))), (1, Text.Select(t => (string?)t))),
            Gen.Frequency((3, Gen.Const((string?)null)), (2, Gen.OneOf("k1", "k2").Select(k => (string?)k)), (1, Text.Select(t => (string?)t))),
            Gen.Frequency((3, Gen.Const((string?)null)), (1, Text.Select(t => (string?)t))),
            (pool, ips, share, announcing) => (pool, ips, share, announcing)),
        Gen.Select(Gen.Frequency((6, Gen.Const("LoadBalancer")), (1, Gen.OneOf("ClusterIP", "NodePort", "", "loadbalancer"))), Gen.Frequency((3, Gen.Const((string?)null)), (1, Address.Select(a => (string?)a))), (t, ip) => (t, ip)),
        Gen.OneOf("IPv4", "IPv6", "IPv5", "").Array[0, 3],
        Gen.OneOf("SingleStack", "PreferDualStack", "RequireDualStack", "Bogus", ""),
        Gen.Select(Gen.Int[-1, 70_000], Gen.OneOf("TCP", "UDP", "SCTP", "ICMP", ""), Gen.Int[-1, 70_000], (p, proto, np) => new JsonObject { ["port"] = p, ["protocol"] = proto, ["nodePort"] = np }).Array[0, 4],
        Gen.Frequency((3, Gen.Const(Array.Empty<string>())), (1, Address.Array[0, 3])),
        (id, annotations, spec, families, policy, ports, ingress) =>
        {
            var meta = new JsonObject { ["name"] = id.n, ["namespace"] = id.ns };
            var a = new JsonObject();
            Set(a, ServiceAnnotations.AddressPool, annotations.pool);
            Set(a, ServiceAnnotations.LoadBalancerIPs, annotations.ips);
            Set(a, ServiceAnnotations.AllowSharedIP, annotations.share);
            Set(a, ServiceAnnotations.AnnouncingNode, annotations.announcing);
            meta["annotations"] = a;
            var s = new JsonObject
            {
                ["type"] = spec.t,
                ["ipFamilies"] = new JsonArray([.. families.Select(f => (JsonNode?)f)]),
                ["ipFamilyPolicy"] = policy,
                ["ports"] = new JsonArray([.. ports]),
            };
            if (spec.ip is { } lb)
            {
                s["loadBalancerIP"] = lb;
            }

            var status = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray([.. ingress.Select(i => (JsonNode?)new JsonObject { ["ip"] = i })]) } };
            return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Service", ["metadata"] = meta, ["spec"] = s, ["status"] = status }.ToJsonString();
        });

    public static readonly Gen<string> Advertisement = Gen.Select(
        Name, Gen.Frequency((2, Gen.Const((JsonArray?)null)), (1, Name.Array[0, 3].Select(p => (JsonArray?)new JsonArray([.. p.Select(x => (JsonNode?)x)])))),
        Gen.Frequency((2, Gen.Const((JsonArray?)null)), (1, Strings.Select(s => (JsonArray?)s))),
        Gen.Frequency((2, Gen.Const((JsonArray?)null)), (1, Selector.Array[0, 2].Select(s => (JsonArray?)new JsonArray([.. s])))),
        (name, pools, interfaces, nodes) =>
        {
            var spec = new JsonObject();
            Set(spec, "ipAddressPools", pools);
            Set(spec, "interfaces", interfaces);
            Set(spec, "nodeSelectors", nodes);
            return new JsonObject { ["apiVersion"] = "edgelb.io/v1alpha1", ["kind"] = "L2Advertisement", ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "edgelb-system" }, ["spec"] = spec }.ToJsonString();
        });

    private static void Set(JsonObject target, string key, JsonNode? value)
    {
        if (value is not null)
        {
            target[key] = value;
        }
    }
}
