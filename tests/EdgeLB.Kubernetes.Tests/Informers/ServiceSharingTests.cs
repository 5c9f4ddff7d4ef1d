using System.Text.Json;
using EdgeLB.Kubernetes.Informers;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Serialization;

namespace EdgeLB.Kubernetes.Tests.Informers;

public sealed class ServiceSharingTests
{
    private static Service Parse(string json) => JsonSerializer.Deserialize(json, KubernetesJsonContext.Default.Service)!;

    private static string Json(Service service) => JsonSerializer.Serialize(service, KubernetesJsonContext.Default.Service);

    private const string Cached = """
        {"metadata":{"name":"web","namespace":"shop","resourceVersion":"7","labels":{"app":"web"},"annotations":{"a":"1"}},
         "spec":{"type":"LoadBalancer","ports":[{"port":80,"protocol":"TCP","nodePort":30080}],"selector":{"app":"web"}},
         "status":{"loadBalancer":{}}}
        """;

    [Fact]
    public void An_update_of_the_status_keeps_the_cached_spec_labels_and_annotations()
    {
        var cached = Parse(Cached);
        var received = Parse(Cached.Replace("\"7\"", "\"8\"", StringComparison.Ordinal).Replace("\"loadBalancer\":{}", "\"loadBalancer\":{\"ingress\":[{\"ip\":\"198.18.0.1\"}]}", StringComparison.Ordinal));

        var shared = ServiceSharing.ShareUnchanged(cached, received);

        Assert.Equal(Json(received), Json(shared));
        Assert.Same(cached.Spec, shared.Spec);
        Assert.Same(cached.Metadata.Labels, shared.Metadata.Labels);
        Assert.Same(cached.Metadata.Annotations, shared.Metadata.Annotations);
        Assert.Same(received.Status, shared.Status);
        Assert.Equal("8", shared.Metadata.ResourceVersion);
    }

    [Fact]
    public void Changed_parts_are_taken_from_the_received_version()
    {
        var cached = Parse(Cached);
        var received = Parse(Cached.Replace("\"a\":\"1\"", "\"a\":\"2\"", StringComparison.Ordinal).Replace("30080", "30081", StringComparison.Ordinal));

        var shared = ServiceSharing.ShareUnchanged(cached, received);

        Assert.Equal(Json(received), Json(shared));
        Assert.Same(received.Spec, shared.Spec);
        Assert.Same(received.Metadata.Annotations, shared.Metadata.Annotations);
        Assert.Same(cached.Metadata.Labels, shared.Metadata.Labels);
        Assert.Same(cached.Status, shared.Status);
    }

    [Fact]
    public void Nothing_in_common_caches_the_received_version_itself()
    {
        var cached = Parse(Cached);
        var received = Parse("""{"metadata":{"name":"web","namespace":"shop","resourceVersion":"9"},"spec":{"type":"ClusterIP"}}""");

        Assert.Same(received, ServiceSharing.ShareUnchanged(cached, received));
    }

    [Fact]
    public void Json_equality_counts_every_field()
    {
        var a = new ServiceSpec { Type = "LoadBalancer", Ports = [new ServicePort { Port = 80 }] };
        Assert.True(JsonEquality.Same(a, a with { Ports = [new ServicePort { Port = 80 }] }, KubernetesJsonContext.Default.ServiceSpec));
        Assert.False(JsonEquality.Same(a, a with { Ports = [new ServicePort { Port = 81 }] }, KubernetesJsonContext.Default.ServiceSpec));
        Assert.False(JsonEquality.Same(a, null, KubernetesJsonContext.Default.ServiceSpec));
        Assert.True(JsonEquality.Same<ServiceSpec>(null, null, KubernetesJsonContext.Default.ServiceSpec));
    }
}
