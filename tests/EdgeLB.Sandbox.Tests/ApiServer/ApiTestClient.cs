using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.Tests.ApiServer;

/// <summary>Plain HTTP access to the server under test, so these tests do not depend on the typed client.</summary>
internal sealed class ApiTestClient : IDisposable
{
    public ApiTestClient(Uri baseAddress)
    {
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(20) };
    }

    public HttpClient Http { get; }

    public async Task<(HttpStatusCode Code, JsonObject Body, HttpResponseMessage Response)> SendAsync(
        HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? [] : JsonNode.Parse(text) as JsonObject ?? [];
        return (response.StatusCode, json, response);
    }

    public async Task<JsonObject> ExpectAsync(HttpStatusCode expected, HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        var (code, json, _) = await SendAsync(method, path, body, contentType);
        Assert.True(code == expected, $"{method} {path}: expected {(int)expected}, got {(int)code}: {json.ToJsonString()}");
        return json;
    }

    public Task<JsonObject> CreateAsync(string collectionPath, JsonNode body) => ExpectAsync(HttpStatusCode.Created, HttpMethod.Post, collectionPath, body);

    public Task<JsonObject> GetAsync(string path) => ExpectAsync(HttpStatusCode.OK, HttpMethod.Get, path);

    public Task<JsonObject> MergePatchAsync(string path, JsonNode patch) =>
        ExpectAsync(HttpStatusCode.OK, HttpMethod.Patch, path, patch, "application/merge-patch+json");

    public async Task<WatchStream> WatchAsync(string pathAndQuery)
    {
        var response = await Http.GetAsync(pathAndQuery, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new WatchStream(response, await response.Content.ReadAsStreamAsync());
    }

    public static JsonObject Service(string name, string type = "LoadBalancer", string? externalTrafficPolicy = null, int port = 80)
    {
        var spec = new JsonObject
        {
            ["type"] = type,
            ["selector"] = new JsonObject { ["app"] = name },
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = port, ["targetPort"] = 8080 }),
        };
        if (externalTrafficPolicy is not null)
        {
            spec["externalTrafficPolicy"] = externalTrafficPolicy;
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = name } },
            ["spec"] = spec,
        };
    }

    public static JsonObject ConfigMap(string name, string value = "1") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = new JsonObject { ["k"] = value },
    };

    public static long Rv(JsonNode? obj) => long.Parse(obj!["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose() => Http.Dispose();
}
