using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>Builds metav1.Status objects: the body of every error and of a few successes.</summary>
internal static class StatusBody
{
    public static JsonObject Failure(ApiException error)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = error.Message,
            ["reason"] = error.Reason,
        };
        if (error.Details is not null)
        {
            status["details"] = error.Details.DeepClone();
        }

        if (error.RetryAfterSeconds is { } seconds)
        {
            var details = status["details"] as JsonObject ?? [];
            details["retryAfterSeconds"] = seconds;
            status["details"] = details;
        }

        status["code"] = error.Code;
        return status;
    }

    public static JsonObject Success(string? name = null, string? kind = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
        };
        if (name is not null)
        {
            status["details"] = new JsonObject { ["name"] = name, ["kind"] = kind };
        }

        return status;
    }
}
