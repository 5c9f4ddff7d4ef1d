using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// Answers SubjectAccessReviews. The server has no RBAC objects: the account its kubeconfigs carry
/// may do anything (as cluster-admin would), other users only what <see cref="Grant"/> allowed them
/// (by user name or group, verb and group/resource, cluster-wide).
/// </summary>
internal sealed class AccessReviewer(string administrator)
{
    private readonly ConcurrentDictionary<(string Subject, string Verb, string Group, string Resource), bool> _grants = new();

    public void Grant(string subject, string verb, string group, string resource) => _grants[(subject, verb, group, resource)] = true;

    public JsonObject Review(JsonObject request)
    {
        var user = JsonTree.GetString(request, "spec", "user");
        var groups = (JsonTree.Walk(request, "spec", "groups") as JsonArray ?? []).Select(JsonTree.ScalarText).OfType<string>().ToList();
        var verb = JsonTree.GetString(request, "spec", "resourceAttributes", "verb") ?? string.Empty;
        var group = JsonTree.GetString(request, "spec", "resourceAttributes", "group") ?? string.Empty;
        var resource = JsonTree.GetString(request, "spec", "resourceAttributes", "resource") ?? string.Empty;
        if (string.IsNullOrEmpty(user) && groups.Count == 0)
        {
            throw ApiException.Invalid(
                new ResourceType("authorization.k8s.io", "v1", "subjectaccessreviews", "subjectaccessreview", "SubjectAccessReview", false, [], false),
                "", [FieldError.Required("spec.user")]);
        }

        var allowed = user == administrator
            || (user is not null && _grants.ContainsKey((user, verb, group, resource)))
            || groups.Any(g => _grants.ContainsKey((g, verb, group, resource)));
        var response = (JsonObject)request.DeepClone();
        response["apiVersion"] = "authorization.k8s.io/v1";
        response["kind"] = "SubjectAccessReview";
        response["metadata"] ??= new JsonObject();
        JsonTree.Metadata(response)["creationTimestamp"] = null;
        response["status"] = allowed
            ? new JsonObject { ["allowed"] = true, ["reason"] = "granted by the sandbox" }
            : new JsonObject { ["allowed"] = false, ["reason"] = $"no grant of {verb} {group}/{resource} to {user}" };
        return response;
    }
}
