namespace EdgeLB.Sandbox.ApiServer;

/// <summary>The fixed set of resources this server serves: the subset of Kubernetes EdgeLB uses, plus EdgeLB's own kinds.</summary>
internal sealed class ResourceRegistry
{
    public const string EdgeLbGroup = "edgelb.io";

    private static readonly string[] EventFieldLabels =
    [
        "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
        "reason", "reportingComponent", "source", "type",
    ];

    public ResourceRegistry()
    {
        All =
        [
            new("", "v1", "namespaces", "namespace", "Namespace", false, ["ns"], true),
            new("", "v1", "nodes", "node", "Node", false, ["no"], true) { ExtraFieldLabels = ["spec.unschedulable"] },
            new("", "v1", "services", "service", "Service", true, ["svc"], true)
            {
                ResetStatusOnCreate = true,
                ExtraFieldLabels = ["spec.clusterIP", "spec.type"],
                Categories = ["all"],
            },
            new("", "v1", "endpoints", "endpoints", "Endpoints", true, ["ep"], false),
            new("", "v1", "events", "event", "Event", true, ["ev"], false) { ExtraFieldLabels = EventFieldLabels },
            new("", "v1", "configmaps", "configmap", "ConfigMap", true, ["cm"], false),
            new("", "v1", "pods", "pod", "Pod", true, ["po"], true) { Categories = ["all"], ExtraFieldLabels = ["spec.nodeName", "status.phase"] },
            new("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, [], false),
            new("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, [], false),
            new("authentication.k8s.io", "v1", "tokenreviews", "tokenreview", "TokenReview", false, [], false) { Verbs = ["create"] },
            new("authorization.k8s.io", "v1", "subjectaccessreviews", "subjectaccessreview", "SubjectAccessReview", false, [], false) { Verbs = ["create"] },
            new(EdgeLbGroup, "v1alpha1", "ipaddresspools", "ipaddresspool", "IPAddressPool", true, [], true)
            {
                ResetStatusOnCreate = true,
                TracksGeneration = true,
            },
            new(EdgeLbGroup, "v1alpha1", "l2advertisements", "l2advertisement", "L2Advertisement", true, [], true)
            {
                ResetStatusOnCreate = true,
                TracksGeneration = true,
            },
        ];
    }

    public IReadOnlyList<ResourceType> All { get; }

    public IEnumerable<string> Groups => All.Where(r => r.Group.Length > 0).Select(r => r.Group).Distinct(StringComparer.Ordinal);

    public IEnumerable<ResourceType> InGroupVersion(string group, string version) =>
        All.Where(r => r.Group == group && r.Version == version);

    public string? PreferredVersion(string group) => All.FirstOrDefault(r => r.Group == group)?.Version;

    public ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    public ResourceType? FindByKind(string apiVersion, string kind) =>
        All.FirstOrDefault(r => r.ApiVersion == apiVersion && r.Kind == kind);

    public ResourceType Namespaces => All[0];

    public ResourceType Services => All[2];
}
