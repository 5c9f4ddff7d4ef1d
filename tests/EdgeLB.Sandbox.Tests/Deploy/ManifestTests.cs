using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>Every manifest under deploy/ parses and holds the objects an install needs, wired to each other.</summary>
public sealed class ManifestTests
{
    private static readonly (string File, string Kind, string Name)[] Expected =
    [
        ("controller.yaml", "Deployment", "edgelb-controller"),
        ("controller.yaml", "PodDisruptionBudget", "edgelb-controller"),
        ("controller.yaml", "Service", "edgelb-controller"),
        ("crds/ipaddresspools.edgelb.io.yaml", "CustomResourceDefinition", "ipaddresspools.edgelb.io"),
        ("crds/l2advertisements.edgelb.io.yaml", "CustomResourceDefinition", "l2advertisements.edgelb.io"),
        ("kustomization.yaml", "Kustomization", ""),
        ("namespace.yaml", "Namespace", "edgelb-system"),
        ("rbac.yaml", "ServiceAccount", "edgelb-controller"),
        ("rbac.yaml", "ServiceAccount", "edgelb-speaker"),
        ("rbac.yaml", "ClusterRole", "edgelb-controller"),
        ("rbac.yaml", "ClusterRoleBinding", "edgelb-controller"),
        ("rbac.yaml", "Role", "edgelb-controller"),
        ("rbac.yaml", "RoleBinding", "edgelb-controller"),
        ("rbac.yaml", "ClusterRole", "edgelb-speaker"),
        ("rbac.yaml", "ClusterRoleBinding", "edgelb-speaker"),
        ("samples/l2advertisement.yaml", "L2Advertisement", "lan"),
        ("samples/pool.yaml", "IPAddressPool", "lan"),
        ("speaker.yaml", "DaemonSet", "edgelb-speaker"),
    ];

    private static readonly HashSet<string> ClusterScoped = new(StringComparer.Ordinal)
    {
        "Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Kustomization",
    };

    [Fact]
    public void EveryManifest_ParsesIntoExactlyTheExpectedObjects()
    {
        var found = RepoFiles.ManifestFiles()
            .SelectMany(f => RepoFiles.Load(f).Select(o => (File: f, Kind: RepoFiles.Kind(o), Name: RepoFiles.Name(o))))
            .Order()
            .ToList();

        Assert.Equal(Expected.Order(), found);
    }

    [Fact]
    public void NamespacedObjects_LiveInEdgelbSystem_AndCarryApiVersion()
    {
        foreach (var file in RepoFiles.ManifestFiles())
        {
            foreach (var obj in RepoFiles.Load(file))
            {
                Assert.False(string.IsNullOrEmpty((string?)obj["apiVersion"]), $"{file}: {RepoFiles.Kind(obj)} has no apiVersion");
                var ns = RepoFiles.Namespace(obj);
                if (ClusterScoped.Contains(RepoFiles.Kind(obj)))
                {
                    Assert.True(ns is null, $"{file}: {RepoFiles.Kind(obj)} {RepoFiles.Name(obj)} is cluster-scoped but names namespace {ns}");
                }
                else
                {
                    Assert.True(ns == "edgelb-system", $"{file}: {RepoFiles.Kind(obj)} {RepoFiles.Name(obj)} is in namespace '{ns}', not edgelb-system");
                }
            }
        }
    }

    [Fact]
    public void Kustomization_ListsEveryInstallManifest()
    {
        var kustomization = Assert.Single(RepoFiles.Load("kustomization.yaml"));
        var listed = kustomization["resources"]!.AsArray().Select(r => (string)r!).Order(StringComparer.Ordinal).ToList();
        var files = RepoFiles.ManifestFiles()
            .Where(f => f != "kustomization.yaml" && !f.StartsWith("samples/", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(files, listed);
    }

    [Fact]
    public void Controller_DeploymentServiceAndBudget_SelectTheSamePods()
    {
        var objects = RepoFiles.Load("controller.yaml");
        var deployment = objects.Single(o => RepoFiles.Kind(o) == "Deployment");
        var spec = deployment["spec"]!;
        Assert.Equal(2L, (long)spec["replicas"]!);
        var podLabels = spec["template"]!["metadata"]!["labels"]!.AsObject();
        AssertSelects(podLabels, spec["selector"]!["matchLabels"]!.AsObject());

        var pdb = objects.Single(o => RepoFiles.Kind(o) == "PodDisruptionBudget");
        Assert.Equal(1L, (long)pdb["spec"]!["minAvailable"]!);
        AssertSelects(podLabels, pdb["spec"]!["selector"]!["matchLabels"]!.AsObject());

        var service = objects.Single(o => RepoFiles.Kind(o) == "Service");
        AssertSelects(podLabels, service["spec"]!["selector"]!.AsObject());
        var servicePorts = service["spec"]!["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (long)p!["port"]!);
        Assert.Equal(new Dictionary<string, long> { ["grpc"] = 7473, ["http-metrics"] = 7472 }, servicePorts);

        var pod = spec["template"]!["spec"]!;
        Assert.Equal("edgelb-controller", (string?)pod["serviceAccountName"]);
        var container = Assert.Single(pod["containers"]!.AsArray())!;
        Assert.Equal(["controller", "--http-listen", "0.0.0.0:7472", "--grpc-listen", "0.0.0.0:7473"], container["args"]!.AsArray().Select(a => (string)a!));
        var ports = container["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (long)p!["containerPort"]!);
        Assert.Equal(new Dictionary<string, long> { ["http"] = 7472, ["grpc"] = 7473 }, ports);
        foreach (var target in service["spec"]!["ports"]!.AsArray())
        {
            Assert.True(ports.ContainsKey((string)target!["targetPort"]!), $"Service targetPort {target["targetPort"]} is no container port");
        }

        Assert.Equal("/healthz", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("http", (string?)container["livenessProbe"]!["httpGet"]!["port"]);

        // Readiness asks grpc.health.v1 on the coordinator port itself; gRPC probes take numbers only.
        var grpcProbe = container["readinessProbe"]!["grpc"]!;
        Assert.Equal(ports["grpc"], (long)grpcProbe["port"]!);
        Assert.Equal("edgelb.v1.Coordinator", (string?)grpcProbe["service"]);
        Assert.Null(container["readinessProbe"]!["httpGet"]);
        var env = container["env"]!.AsArray();
        Assert.Equal("metadata.name", (string?)env.Single(e => (string?)e!["name"] == "POD_NAME")!["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("metadata.namespace", (string?)env.Single(e => (string?)e!["name"] == "EDGELB_NAMESPACE")!["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("status.podIP", (string?)env.Single(e => (string?)e!["name"] == "POD_IP")!["valueFrom"]!["fieldRef"]!["fieldPath"]);
        var security = container["securityContext"]!;
        Assert.True((bool)security["readOnlyRootFilesystem"]!);
        Assert.True((bool)security["runAsNonRoot"]!);
        Assert.False((bool)security["allowPrivilegeEscalation"]!);
        Assert.Equal(["ALL"], security["capabilities"]!["drop"]!.AsArray().Select(c => (string)c!));
        Assert.Null(security["capabilities"]!["add"]);
        Assert.Equal("7472", (string?)spec["template"]!["metadata"]!["annotations"]!["prometheus.io/port"]);
    }

    [Fact]
    public void Speaker_DaemonSet_HasHostNetworkTwoCapabilitiesAndAProjectedEdgelbToken()
    {
        var daemonSet = Assert.Single(RepoFiles.Load("speaker.yaml"));
        Assert.Equal("DaemonSet", RepoFiles.Kind(daemonSet));
        var template = daemonSet["spec"]!["template"]!;
        AssertSelects(template["metadata"]!["labels"]!.AsObject(), daemonSet["spec"]!["selector"]!["matchLabels"]!.AsObject());
        var pod = template["spec"]!;
        Assert.Equal("edgelb-speaker", (string?)pod["serviceAccountName"]);
        Assert.True((bool)pod["hostNetwork"]!);
        Assert.Equal("ClusterFirstWithHostNet", (string?)pod["dnsPolicy"]);
        Assert.Contains(pod["tolerations"]!.AsArray(), t => (string?)t!["key"] == "node-role.kubernetes.io/control-plane" && (string?)t["operator"] == "Exists");

        var container = Assert.Single(pod["containers"]!.AsArray())!;
        Assert.Equal(
            ["speaker", "--node-name", "$(NODE_NAME)", "--token-file", "/var/run/secrets/edgelb/token", "--controller", "edgelb-controller.edgelb-system.svc:7473", "--http-listen", "0.0.0.0:7474"],
            container["args"]!.AsArray().Select(a => (string)a!));
        var env = container["env"]!.AsArray();
        Assert.Equal("spec.nodeName", (string?)env.Single(e => (string?)e!["name"] == "NODE_NAME")!["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("1", (string?)env.Single(e => (string?)e!["name"] == "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS")!["value"]);
        var capabilities = container["securityContext"]!["capabilities"]!;
        Assert.Equal(["ALL"], capabilities["drop"]!.AsArray().Select(c => (string)c!));
        Assert.Equal(["NET_ADMIN", "NET_RAW"], capabilities["add"]!.AsArray().Select(c => (string)c!).Order(StringComparer.Ordinal));
        Assert.Equal("/readyz", (string?)container["readinessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("/healthz", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("false", (string?)env.Single(e => (string?)e!["name"] == "EDGELB_MANAGESYSCTLS")!["value"]);
        Assert.Contains(container["ports"]!.AsArray(), p => (long)p!["containerPort"]! == 7474 && (string?)p["name"] == (string?)container["readinessProbe"]!["httpGet"]!["port"]);
        Assert.Equal("7474", (string?)template["metadata"]!["annotations"]!["prometheus.io/port"]);

        var mount = Assert.Single(container["volumeMounts"]!.AsArray(), m => (string?)m!["mountPath"] == "/var/run/secrets/edgelb")!;
        Assert.True((bool)mount["readOnly"]!);
        var volume = pod["volumes"]!.AsArray().Single(v => (string?)v!["name"] == (string?)mount["name"])!;
        var token = Assert.Single(volume["projected"]!["sources"]!.AsArray())!["serviceAccountToken"]!;
        Assert.Equal("edgelb", (string?)token["audience"]);
        Assert.Equal(3600L, (long)token["expirationSeconds"]!);
        Assert.Equal("token", (string?)token["path"]);
    }

    [Fact]
    public void Speaker_SysctlsInitContainer_SetsWhatTheVipBinderWouldSet_AndIsTheOnlyPrivilegedContainer()
    {
        var pod = Assert.Single(RepoFiles.Load("speaker.yaml"))["spec"]!["template"]!["spec"]!;
        var init = Assert.Single(pod["initContainers"]!.AsArray())!;
        var command = init["command"]!.AsArray().Select(c => (string)c!).ToList();
        Assert.Equal(["sysctl", "-w"], command.Take(2));

        // The settings the forwarder writes itself when allowed to (it is not, in the DaemonSet).
        var binder = File.ReadAllText(Path.Combine(RepoFiles.Root, "src/EdgeLB.Speaker/Forwarding/DummyInterfaceVipBinder.cs"));
        var expected = Regex.Matches(binder, @"""(?<setting>net\.[a-z0-9_.]+=[0-9]+)""").Select(m => m.Groups["setting"].Value).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Order(StringComparer.Ordinal), command.Skip(2).Order(StringComparer.Ordinal));
        Assert.True((bool)init["securityContext"]!["privileged"]!);

        var speaker = Assert.Single(pod["containers"]!.AsArray())!;
        Assert.Null(speaker["securityContext"]!["privileged"]);
        Assert.Equal((string?)speaker["image"], (string?)init["image"]);
    }

    private static void AssertSelects(JsonObject podLabels, JsonObject selector)
    {
        Assert.NotEmpty(selector);
        foreach (var (key, value) in selector)
        {
            Assert.True(podLabels[key] is not null && (string?)podLabels[key] == (string?)value, $"selector {key}={value} does not match the pod labels {podLabels.ToJsonString()}");
        }
    }
}
