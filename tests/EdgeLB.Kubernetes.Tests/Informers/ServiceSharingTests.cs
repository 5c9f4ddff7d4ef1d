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

    /// <summary>Shares the cached version with one received after the given edits; the result must read exactly like what was received.</summary>
    private static (Service Cached, Service Received, Service Shared) Share(params (string From, string To)[] edits)
    {
        var cached = Parse(Cached);
        var received = Parse(edits.Aggregate(Cached, (json, edit) => json.Replace(edit.From, edit.To, StringComparison.Ordinal)));
        var shared = ServiceSharing.ShareUnchanged(cached, received);
        Assert.Equal(Json(received), Json(shared));
        return (cached, received, shared);
    }

    [Theory]
    [InlineData("status", "\"loadBalancer\":{}", "\"loadBalancer\":{\"ingress\":[{\"ip\":\"198.18.0.1\"}]}")]
    [InlineData("annotations", "\"a\":\"1\"", "\"a\":\"2\"")]
    [InlineData("labels", "\"labels\":{\"app\":\"web\"}", "\"labels\":{\"app\":\"shop\"}")]
    [InlineData("spec", "30080", "30081")]
    public void Only_the_changed_part_is_taken_from_the_received_version(string changed, string from, string to)
    {
        var (cached, received, shared) = Share(("\"7\"", "\"8\""), (from, to));

        Assert.Same(changed == "spec" ? received.Spec : cached.Spec, shared.Spec);
        Assert.Same(changed == "labels" ? received.Metadata.Labels : cached.Metadata.Labels, shared.Metadata.Labels);
        Assert.Same(changed == "annotations" ? received.Metadata.Annotations : cached.Metadata.Annotations, shared.Metadata.Annotations);
        Assert.Same(received.Status, shared.Status);
        Assert.Equal("8", shared.Metadata.ResourceVersion);
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
