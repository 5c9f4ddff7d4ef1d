using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>The RBAC rules cover every API call the code makes (read from the source), and the speaker only reads.</summary>
public sealed class RbacTests
{
    private sealed record Rule(IReadOnlyList<string> Groups, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs, string? Namespace, string Role)
    {
        public bool Allows(ApiCall call) =>
            Groups.Contains(call.Group) && Resources.Contains(call.Resource) && Verbs.Contains(call.Verb)

            // A Role grants only in its namespace: enough for namespaced resources EdgeLB keeps in edgelb-system.
            && (Namespace is null || call.Namespaced);
    }

    private static readonly IReadOnlyList<JsonObject> Objects = RepoFiles.Load("rbac.yaml");

    /// <summary>The rules of every Role and ClusterRole bound to the ServiceAccount edgelb-system/<paramref name="account"/>.</summary>
    private static List<Rule> RulesFor(string account)
    {
        Assert.Contains(Objects, o => RepoFiles.Kind(o) == "ServiceAccount" && RepoFiles.Name(o) == account && RepoFiles.Namespace(o) == "edgelb-system");
        var rules = new List<Rule>();
        foreach (var binding in Objects.Where(o => RepoFiles.Kind(o) is "RoleBinding" or "ClusterRoleBinding"))
        {
            var bound = binding["subjects"]!.AsArray().Any(s => (string?)s!["kind"] == "ServiceAccount" && (string?)s["name"] == account && (string?)s["namespace"] == "edgelb-system");
            if (!bound)
            {
                continue;
            }

            var roleRef = binding["roleRef"]!;
            var bindingNamespace = RepoFiles.Namespace(binding);
            var role = Objects.Single(o => RepoFiles.Kind(o) == (string?)roleRef["kind"] && RepoFiles.Name(o) == (string?)roleRef["name"]
                && (RepoFiles.Kind(o) == "ClusterRole" || RepoFiles.Namespace(o) == bindingNamespace));
            foreach (var rule in role["rules"]!.AsArray())
            {
                rules.Add(new Rule(Strings(rule!["apiGroups"]), Strings(rule["resources"]), Strings(rule["verbs"]), bindingNamespace, $"{RepoFiles.Kind(role)} {RepoFiles.Name(role)}"));
            }
        }

        return rules;
    }

    private static List<string> Strings(JsonNode? node) => node?.AsArray().Select(n => (string)n!).ToList() ?? [];

    [Fact]
    public void ControllerRoles_CoverEveryCallTheControllerMakes()
    {
        var calls = ApiCalls.Derive("src/EdgeLB.Controller");

        // The derivation must see what the controller is known to do, or it proves nothing.
        Assert.Contains(calls, c => c is { Resource: "services", Verb: "watch" });
        Assert.Contains(calls, c => c is { Resource: "services/status", Verb: "patch" });
        Assert.Contains(calls, c => c is { Resource: "ipaddresspools/status", Verb: "patch" });
        Assert.Contains(calls, c => c is { Group: "coordination.k8s.io", Resource: "leases", Verb: "update" });
        Assert.Contains(calls, c => c is { Resource: "events", Verb: "create" });

        var rules = RulesFor("edgelb-controller");
        var missing = calls.Where(c => !rules.Any(r => r.Allows(c))).Select(c => c.ToString()).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "rbac.yaml does not allow: " + string.Join("; ", missing));
    }

    [Fact]
    public void SpeakerRole_OnlyReadsNodesServicesAndEndpointSlices_AndCoversTheSpeakersCalls()
    {
        var rules = RulesFor("edgelb-speaker");
        Assert.NotEmpty(rules);
        var granted = rules.SelectMany(r => r.Groups.SelectMany(g => r.Resources.Select(res => $"{g}/{res}"))).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["/nodes", "/services", "discovery.k8s.io/endpointslices"], granted);
        Assert.All(rules, r => Assert.Equal(["get", "list", "watch"], r.Verbs.Order(StringComparer.Ordinal)));

        var calls = ApiCalls.Derive("src/EdgeLB.Speaker");
        var missing = calls.Where(c => !rules.Any(r => r.Allows(c))).Select(c => c.ToString()).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "rbac.yaml does not allow the speaker: " + string.Join("; ", missing));
    }

    [Fact]
    public void NoRule_UsesWildcards()
    {
        foreach (var role in Objects.Where(o => RepoFiles.Kind(o) is "Role" or "ClusterRole"))
        {
            foreach (var rule in role["rules"]!.AsArray())
            {
                var all = Strings(rule!["apiGroups"]).Concat(Strings(rule["resources"])).Concat(Strings(rule["verbs"]));
                Assert.DoesNotContain("*", all);
            }
        }
    }

    [Fact]
    public void Derivation_MapsCallsSubresourcesAndHelpers()
    {
        var descriptors = ApiCalls.ReadDescriptors();
        Assert.Equal(new ApiCalls.Descriptor("coordination.k8s.io", "leases", true), descriptors["Leases"]);
        Assert.Equal(new ApiCalls.Descriptor("", "nodes", false), descriptors["Nodes"]);

        const string Code = """
            var pools = new Informer<IPAddressPool>(_client, Resources.IPAddressPools, options);
            await _client.PatchAsync(Resources.Services, ns, name, PatchType.Merge, patch, subresource: "status", cancellationToken: ct);
            var created = await _client.CreateAsync(
                Resources.Events,
                new KubeEvent { Metadata = new ObjectMeta { Name = name } },
                ct);
            var review = await _client.ReviewTokenAsync(token, ["edgelb"], ct);
            var access = await client.ReviewAccessAsync(user, new ResourceAttributes { Verb = "list", Resource = "services" }, ct);
            """;
        var calls = ApiCalls.FromText(Code, "snippet", descriptors).Select(c => $"{c.Verb} {c.Group}/{c.Resource}").ToList();
        Assert.Equal(
            ["list edgelb.io/ipaddresspools", "watch edgelb.io/ipaddresspools", "patch /services/status", "create /events", "create authentication.k8s.io/tokenreviews", "create authorization.k8s.io/subjectaccessreviews"],
            calls);

        var unknown = Assert.Throws<InvalidDataException>(() => ApiCalls.FromText("await _client.FrobnicateAsync(Resources.Nodes);", "snippet", descriptors).ToList());
        Assert.Contains("FrobnicateAsync", unknown.Message, StringComparison.Ordinal);
    }
}
