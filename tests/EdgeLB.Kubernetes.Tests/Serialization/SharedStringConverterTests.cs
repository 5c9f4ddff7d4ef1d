using System.Text.Json;
using EdgeLB.Kubernetes.Serialization;

namespace EdgeLB.Kubernetes.Tests.Serialization;

public sealed class SharedStringConverterTests
{
    private const string Json = """
        {"metadata":{"name":"web","namespace":"shop","labels":{"app":"web"}},
         "spec":{"type":"LoadBalancer","ports":[{"protocol":"TCP","port":80}],"selector":{"app":"web"},"loadBalancerIP":"\u0031\u0039\u0038.18.0.1"},
         "status":{"loadBalancer":{"ingress":[{"ip":"198.18.0.1","ipMode":"Proxy"}]}}}
        """;

    [Fact]
    public void RepeatedShortValues_AreOneInstance_AcrossObjects()
    {
        var a = JsonSerializer.Deserialize(Json, KubernetesJsonContext.Default.Service)!;
        var b = JsonSerializer.Deserialize(Json, KubernetesJsonContext.Default.Service)!;

        Assert.Same(a.Spec!.Type, b.Spec!.Type);
        Assert.Same(a.Metadata.Namespace, b.Metadata.Namespace);
        Assert.Same(a.Spec.Ports![0].Protocol, b.Spec.Ports![0].Protocol);
        Assert.Same(a.Metadata.Labels!.Keys.Single(), b.Spec.Selector!.Keys.Single());
    }

    [Fact]
    public void Values_ReadAndWriteUnchanged_EscapedAndLongOnesToo()
    {
        var longName = new string('x', 100);
        var service = JsonSerializer.Deserialize(Json.Replace("\"web\",\"namespace\"", $"\"{longName}\",\"namespace\"", StringComparison.Ordinal), KubernetesJsonContext.Default.Service)!;

        Assert.Equal(longName, service.Metadata.Name);
        Assert.Equal("198.18.0.1", service.Spec!.LoadBalancerIP);
        Assert.Equal("Proxy", service.Status!.LoadBalancer!.Ingress![0].IpMode);
        var again = JsonSerializer.Deserialize(JsonSerializer.Serialize(service, KubernetesJsonContext.Default.Service), KubernetesJsonContext.Default.Service)!;
        Assert.Equal(service.Spec.Selector, again.Spec!.Selector);
        Assert.Equal("LoadBalancer", again.Spec.Type);
    }
}
