using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>The CRDs are structural, match the C# models field for field, and accept the samples.</summary>
public sealed partial class CrdTests
{
    private static JsonObject Crd(string plural) => Assert.Single(RepoFiles.Load($"crds/{plural}.edgelb.io.yaml"));

    private static JsonObject Version(JsonObject crd) => Assert.Single(crd["spec"]!["versions"]!.AsArray())!.AsObject();

    private static JsonObject Schema(string plural) => Version(Crd(plural))["schema"]!["openAPIV3Schema"]!.AsObject();

    [Theory]
    [InlineData("ipaddresspools", "IPAddressPool")]
    [InlineData("l2advertisements", "L2Advertisement")]
    public void Crd_IsNamespacedV1alpha1_WithStatusSubresource_AndStructuralSchema(string plural, string kind)
    {
        var crd = Crd(plural);
        var spec = crd["spec"]!;
        Assert.Equal("edgelb.io", (string?)spec["group"]);
        Assert.Equal("Namespaced", (string?)spec["scope"]);
        Assert.Equal(plural, (string?)spec["names"]!["plural"]);
        Assert.Equal(kind, (string?)spec["names"]!["kind"]);
        Assert.Equal($"{plural}.edgelb.io", RepoFiles.Name(crd));
        var version = Version(crd);
        Assert.Equal("v1alpha1", (string?)version["name"]);
        Assert.True((bool)version["served"]! && (bool)version["storage"]!);
        Assert.NotNull(version["subresources"]?["status"]);

        var problems = new List<string>();
        Structural(version["schema"]!["openAPIV3Schema"]!.AsObject(), "", problems);
        Assert.Empty(problems);
    }

    [Fact]
    public void PoolCrd_PrinterColumns_ShowUsageValidityAndAge()
    {
        var columns = Version(Crd("ipaddresspools"))["additionalPrinterColumns"]!.AsArray()
            .Select(c => ((string)c!["name"]!, (string)c["jsonPath"]!, (string)c["type"]!))
            .ToList();
        Assert.Equal(
            [
                ("Auto Assign", ".spec.autoAssign", "boolean"),
                ("Avoid Buggy IPs", ".spec.avoidBuggyIPs", "boolean"),
                ("IPv4 Assigned", ".status.assignedIPv4", "integer"),
                ("IPv4 Available", ".status.availableIPv4", "integer"),
                ("IPv6 Assigned", ".status.assignedIPv6", "integer"),
                ("IPv6 Available", ".status.availableIPv6", "string"),
                ("Valid", """.status.conditions[?(@.type=="Valid")].status""", "string"),
                ("Age", ".metadata.creationTimestamp", "date"),
            ],
            columns);
    }

    [Fact]
    public void PoolCrd_HasCelRulesForAddressesAndPriority()
    {
        var spec = Schema("ipaddresspools")["properties"]!["spec"]!;
        Assert.Contains(spec["x-kubernetes-validations"]!.AsArray(), r => ((string)r!["rule"]!).Contains("self.addresses", StringComparison.Ordinal));
        var allocation = spec["properties"]!["serviceAllocation"]!;
        Assert.Contains(allocation["x-kubernetes-validations"]!.AsArray(), r => ((string)r!["rule"]!).Contains("self.priority >= 0", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ipaddresspools", "spec", "IPAddressPoolSpec.cs")]
    [InlineData("ipaddresspools", "spec.serviceAllocation", "ServiceAllocation.cs")]
    [InlineData("ipaddresspools", "spec.serviceAllocation.serviceSelectors[]", "LabelSelector.cs")]
    [InlineData("ipaddresspools", "spec.serviceAllocation.namespaceSelectors[]", "LabelSelector.cs")]
    [InlineData("ipaddresspools", "spec.serviceAllocation.namespaceSelectors[].matchExpressions[]", "LabelSelectorRequirement.cs")]
    [InlineData("ipaddresspools", "status", "IPAddressPoolStatus.cs")]
    [InlineData("ipaddresspools", "status.conditions[]", "Condition.cs")]
    [InlineData("l2advertisements", "spec", "L2AdvertisementSpec.cs")]
    [InlineData("l2advertisements", "spec.nodeSelectors[]", "LabelSelector.cs")]
    [InlineData("l2advertisements", "spec.ipAddressPoolSelectors[].matchExpressions[]", "LabelSelectorRequirement.cs")]
    public void SchemaFields_MatchTheModelRecord(string plural, string path, string modelFile)
    {
        var node = Schema(plural);
        foreach (var step in path.Split('.'))
        {
            node = node["properties"]![step.TrimEnd('[', ']')]!.AsObject();
            if (step.EndsWith("[]", StringComparison.Ordinal))
            {
                node = node["items"]!.AsObject();
            }
        }

        var schemaFields = node["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(ModelFields(modelFile), schemaFields);
    }

    [Theory]
    [InlineData("samples/pool.yaml", "ipaddresspools")]
    [InlineData("samples/l2advertisement.yaml", "l2advertisements")]
    public void Sample_IsValidAgainstItsCrdSchema(string sample, string plural)
    {
        var obj = Assert.Single(RepoFiles.Load(sample));
        var crd = Crd(plural);
        Assert.Equal($"{crd["spec"]!["group"]}/{Version(crd)["name"]}", (string?)obj["apiVersion"]);
        Assert.Equal((string?)crd["spec"]!["names"]!["kind"], RepoFiles.Kind(obj));
        Assert.Empty(SchemaValidator.Validate(obj, Schema(plural)));
    }

    [Theory]
    [InlineData("""{"spec":{"addresses":[]}}""", "spec.addresses: needs at least 1 items")]
    [InlineData("""{"spec":{}}""", "spec.addresses: required field is missing")]
    [InlineData("""{"spec":{"addresses":"198.18.0.0/24"}}""", "spec.addresses: expected array, got string")]
    [InlineData("""{"spec":{"addresses":["198.18.0.0/24"],"autoAssign":"yes"}}""", "spec.autoAssign: expected boolean, got string")]
    [InlineData("""{"spec":{"addresses":["198.18.0.0/24"],"autoassign":true}}""", "spec.autoassign: unknown field")]
    [InlineData("""{"spec":{"addresses":["198.18.0.0/24"],"serviceAllocation":{"priority":-1}}}""", "spec.serviceAllocation.priority: -1 is below the minimum 0")]
    [InlineData("""{"spec":{"addresses":["198.18.0.0/24"],"serviceAllocation":{"priority":1.5}}}""", "spec.serviceAllocation.priority: expected integer, got number")]
    [InlineData("""{"spec":{"addresses":["198.18.0.0/24"],"serviceAllocation":{"serviceSelectors":[{"matchExpressions":[{"key":"a","operator":"Equals"}]}]}}}""", """spec.serviceAllocation.serviceSelectors[0].matchExpressions[0].operator: "Equals" is not one of""")]
    [InlineData("""{"spec":{"addresses":["198.18.0.0/24"],"serviceAllocation":{"serviceSelectors":[{"matchExpressions":[{"operator":"Exists"}]}]}}}""", "spec.serviceAllocation.serviceSelectors[0].matchExpressions[0].key: required field is missing")]
    [InlineData("""{"spec":{"addresses":["198.18.0.0/24"],"serviceAllocation":{"serviceSelectors":[{"matchLabels":{"a":1}}]}}}""", "spec.serviceAllocation.serviceSelectors[0].matchLabels.a: expected string, got number")]
    [InlineData("""{"spec":{"addresses":["198.18.0.0/24"]},"status":{"availableIPv6":5}}""", "status.availableIPv6: expected string, got number")]
    [InlineData("""{"spec":{"addresses":["198.18.0.0/24"]},"status":{"conditions":[{"type":"Valid","status":"Yes"}]}}""", """status.conditions[0].status: "Yes" is not one of""")]
    [InlineData("""{"spec":{"addresses":["198.18.0.0/24"]},"status":{"conditions":[{"type":"Valid","status":"True","lastTransitionTime":"yesterday"}]}}""", "status.conditions[0].lastTransitionTime: \"yesterday\" is not a date-time")]
    public void Validator_RejectsBrokenPools_NamingTheField(string body, string expected)
    {
        var pool = JsonNode.Parse(body)!.AsObject();
        pool["apiVersion"] = "edgelb.io/v1alpha1";
        pool["kind"] = "IPAddressPool";
        pool["metadata"] = new JsonObject { ["name"] = "bad" };
        var errors = SchemaValidator.Validate(pool, Schema("ipaddresspools"));
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_RejectsBrokenAdvertisement()
    {
        var ad = RepoFiles.Parse("""
            apiVersion: edgelb.io/v1alpha1
            kind: L2Advertisement
            metadata: {name: bad}
            spec:
              ipAddressPools: lan
              interfaces: [eth0-with-a-name-too-long]
              nodeSelector: {}
            """).Single();
        var errors = SchemaValidator.Validate(ad, Schema("l2advertisements"));
        Assert.Equal(
            ["spec.interfaces[0]: longer than 15", "spec.ipAddressPools: expected array, got string", "spec.nodeSelector: unknown field"],
            errors.Order(StringComparer.Ordinal));
    }

    // JSON names of a model record's properties, read from its source: camelCase unless [JsonPropertyName] says otherwise.
    private static List<string> ModelFields(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepoFiles.Root, "src/EdgeLB.Kubernetes/Models", file));
        var names = new List<string>();
        foreach (Match m in PropertyPattern().Matches(text))
        {
            var name = m.Groups["json"].Success ? m.Groups["json"].Value : JsonNamingPolicy.CamelCase.ConvertName(m.Groups["prop"].Value);
            names.Add(name);
        }

        Assert.NotEmpty(names);
        return names.Order(StringComparer.Ordinal).ToList();
    }

    // Every level names a type (or preserves unknown fields), arrays have items, and properties never sit
    // next to additionalProperties (the API server refuses such CRDs).
    private static void Structural(JsonObject schema, string path, List<string> problems)
    {
        if (schema["type"] is null && schema["x-kubernetes-preserve-unknown-fields"] is null && schema["x-kubernetes-int-or-string"] is null)
        {
            problems.Add($"{path}: no type");
        }

        if (schema["properties"] is JsonObject properties)
        {
            if (schema["additionalProperties"] is not null)
            {
                problems.Add($"{path}: properties and additionalProperties together");
            }

            foreach (var (name, child) in properties)
            {
                Structural(child!.AsObject(), $"{path}.{name}", problems);
            }
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            Structural(additional, $"{path}.*", problems);
        }

        if ((string?)schema["type"] == "array")
        {
            if (schema["items"] is JsonObject items)
            {
                Structural(items, $"{path}[]", problems);
            }
            else
            {
                problems.Add($"{path}: array without items");
            }
        }
    }

    [GeneratedRegex("""(?:\[JsonPropertyName\("(?<json>\w+)"\)\]\s*)?public [\w<>?,\s]+? (?<prop>\w+) \{ get; init; \}""")]
    private static partial Regex PropertyPattern();
}
