using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Rest;

namespace EdgeLB.Kubernetes.Tests.Fakes;

/// <summary>Shortcuts for tests against <see cref="FakeApiServer"/>.</summary>
public static class FakeApi
{
    public const string Services = "v1/services";

    public static KubeApiClient Client(FakeApiServer server, KubeApiOptions? options = null, TimeProvider? time = null) =>
        new(KubernetesClientConfiguration.ForServer(server.BaseAddress), options ?? new KubeApiOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(5), RetryMaxDelay = TimeSpan.FromSeconds(2) }, time: time);

    public static JsonObject Service(string ns, string name, string? extraSpecField = null)
    {
        var spec = new JsonObject
        {
            ["type"] = "LoadBalancer",
            ["ports"] = new JsonArray(new JsonObject { ["port"] = 80, ["protocol"] = "TCP", ["targetPort"] = 8080, ["nodePort"] = 30080 }),
        };
        if (extraSpecField is not null)
        {
            spec[extraSpecField] = "kept";
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec,
        };
    }
}
