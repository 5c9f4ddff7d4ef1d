using System.Net;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;

namespace EdgeLB.Controller.Tests;

/// <summary>/readyz says why the controller does not lead when the Lease cannot be written.</summary>
public class ReadinessTests
{
    [Fact]
    public async Task LeaseNamespaceMissing_ReadyzNamesTheApiServersAnswer_UntilTheNamespaceExists()
    {
        await using var lab = await ControllerFixture.StartAsync(autoCreateNamespaces: false);
        var controller = await lab.StartControllerAsync(waitUntilLeading: false);
        using var http = new HttpClient();
        var body = "";
        await Eventually.TrueAsync(
            async () =>
            {
                if (controller.HttpAddress is not { } address)
                {
                    return false;
                }

                using var response = await http.GetAsync(new Uri(address, "/readyz"));
                body = await response.Content.ReadAsStringAsync();
                // On a loaded machine an attempt may also time out; /readyz always shows the latest answer.
                return response.StatusCode == HttpStatusCode.ServiceUnavailable && body.Contains("namespaces \"edgelb-system\" not found", StringComparison.Ordinal);
            },
            "/readyz names the Lease error");
        Assert.StartsWith("not leading: the Lease edgelb-system/", body, StringComparison.Ordinal);
        Assert.Contains("cannot be read or written", body, StringComparison.Ordinal);
        Assert.False(controller.IsLeader);

        await lab.Client.CreateAsync(Resources.Namespaces, new KubeNamespace { Metadata = new ObjectMeta { Name = "edgelb-system" } });
        await Eventually.TrueAsync(() => Task.FromResult(controller.IsReady), "the controller leads once the namespace exists");
        using var ready = await http.GetAsync(new Uri(controller.HttpAddress!, "/readyz"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}
