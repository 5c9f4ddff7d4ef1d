using EdgeLB.Controller.Coordination;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Fuzz.Sessions;

/// <summary>The small cluster the controller-side session fuzzing runs against: three Ready nodes, a Service per VIP, one pool and one L2Advertisement.</summary>
internal static class ClusterInputs
{
    public const int Nodes = 3;

    public static CoordinationInputs Create(string? announcing)
    {
        var nodes = Enumerable.Range(0, Nodes).Select(i => new Node
        {
            Metadata = new ObjectMeta { Name = $"node-{i}", Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = $"node-{i}" } },
            Status = new NodeStatus
            {
                Addresses = [new NodeAddress { Type = "InternalIP", Address = $"198.18.0.{i + 1}" }],
                Conditions = [new NodeCondition { Type = "Ready", Status = "True" }],
            },
        }).ToList();
        var services = ProtoGen.Vips.Select((vip, i) =>
        {
            var annotations = new Dictionary<string, string> { [ServiceAnnotations.AllocatedFromPool] = "lan" };
            if (announcing is not null && i == 0)
            {
                annotations[ServiceAnnotations.AnnouncingNode] = announcing;
            }

            return new Service
            {
                Metadata = new ObjectMeta { Name = $"svc-{i}", Namespace = "default", Annotations = annotations },
                Spec = new ServiceSpec
                {
                    Type = "LoadBalancer",
                    ExternalTrafficPolicy = i == 1 ? "Local" : null,
                    Ports = [new Kubernetes.Models.ServicePort { Name = "http", Port = 80, Protocol = "TCP", NodePort = 30080 + i }],
                },
                Status = new ServiceStatus { LoadBalancer = new LoadBalancerStatus { Ingress = [new LoadBalancerIngress { Ip = vip }] } },
            };
        }).ToList();
        var advertisement = new L2Advertisement { Metadata = new ObjectMeta { Name = "lan", Namespace = "edgelb-system" }, Spec = new L2AdvertisementSpec() };
        var pool = new IPAddressPool { Metadata = new ObjectMeta { Name = "lan", Namespace = "edgelb-system" } };
        return new CoordinationInputs(nodes, services, [advertisement], [pool], []);
    }

    /// <summary>Takes what the coordinator announces and warns about, and keeps nothing.</summary>
    public sealed class NullSink : IAnnouncementSink
    {
        public void Announced(VipGroup group, AnnouncingAnnotation? announcing, string summary)
        {
        }

        public void Warn(VipGroup group, string reason, string message)
        {
        }
    }
}
