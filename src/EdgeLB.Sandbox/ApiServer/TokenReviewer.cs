using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// Issues bearer tokens for service accounts and answers TokenReviews for them, with the user name,
/// groups and pod/node extras the real token authenticator reports.
/// </summary>
internal sealed class TokenReviewer
{
    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);

    public string Issue(string serviceAccount, string ns, string audience, string? podName, string? nodeName)
    {
        var token = "edgelb-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _tokens[token] = new(serviceAccount, ns, audience, podName, nodeName, Guid.NewGuid().ToString());
        return token;
    }

    public bool Revoke(string token) => _tokens.TryRemove(token, out _);

    public bool IsValid(string token) => _tokens.ContainsKey(token);

    public JsonObject Review(JsonObject request)
    {
        var token = JsonTree.GetString(request, "spec", "token");
        if (string.IsNullOrEmpty(token))
        {
            throw ApiException.Invalid(
                new ResourceType("authentication.k8s.io", "v1", "tokenreviews", "tokenreview", "TokenReview", false, [], false),
                "", [FieldError.Required("spec.token")]);
        }

        var audiences = (JsonTree.Walk(request, "spec", "audiences") as JsonArray ?? []).Select(JsonTree.ScalarText).OfType<string>().ToList();
        var status = new JsonObject();
        if (!_tokens.TryGetValue(token, out var issued))
        {
            status["authenticated"] = false;
            status["error"] = "invalid bearer token";
        }
        else if (audiences.Count > 0 && !audiences.Contains(issued.Audience))
        {
            status["authenticated"] = false;
            status["error"] = $"token audiences [\"{issued.Audience}\"] is invalid for the target audiences [{string.Join(",", audiences.Select(a => $"\"{a}\""))}]";
        }
        else
        {
            var extra = new JsonObject();
            if (issued.PodName is not null)
            {
                extra["authentication.kubernetes.io/pod-name"] = new JsonArray(issued.PodName);
            }

            if (issued.NodeName is not null)
            {
                extra["authentication.kubernetes.io/node-name"] = new JsonArray(issued.NodeName);
            }

            status["authenticated"] = true;
            status["user"] = new JsonObject
            {
                ["username"] = $"system:serviceaccount:{issued.Namespace}:{issued.ServiceAccount}",
                ["uid"] = issued.Uid,
                ["groups"] = new JsonArray("system:serviceaccounts", $"system:serviceaccounts:{issued.Namespace}", "system:authenticated"),
                ["extra"] = extra,
            };
            status["audiences"] = new JsonArray(issued.Audience);
        }

        var response = (JsonObject)request.DeepClone();
        response["apiVersion"] = "authentication.k8s.io/v1";
        response["kind"] = "TokenReview";
        response["metadata"] ??= new JsonObject();
        JsonTree.Metadata(response)["creationTimestamp"] = null;
        response["status"] = status;
        return response;
    }
}
