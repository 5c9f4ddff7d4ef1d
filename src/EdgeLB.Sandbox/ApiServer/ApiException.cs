using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>A request failure the server answers with a Kubernetes Status body.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(int code, string reason, string message, JsonObject? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public ApiException()
        : this(500, "InternalError", "internal error")
    {
    }

    public ApiException(string message)
        : this(500, "InternalError", message)
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = 500;
        Reason = "InternalError";
    }

    public int Code { get; }

    public string Reason { get; }

    public JsonObject? Details { get; }

    /// <summary>Seconds a client should wait before retrying, sent as Retry-After.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.QualifiedName} \"{name}\" not found", DetailsFor(type, name));

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.QualifiedName} \"{name}\" already exists", DetailsFor(type, name));

    public static ApiException Conflict(ResourceType type, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedName} \"{name}\": {why}", DetailsFor(type, name));

    public static ApiException StaleResourceVersion(ResourceType type, string name) =>
        Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException Expired(string message) => new(410, "Expired", message);

    /// <summary>
    /// The answer to a resourceVersion the server has not reached (504 Timeout, cause
    /// ResourceVersionTooLarge, retry after 1 s), worded as the real server words it.
    /// </summary>
    public static ApiException TooLargeResourceVersion(long wanted, long current)
    {
        var details = new JsonObject
        {
            ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" }),
        };
        return new(504, "Timeout", $"Timeout: Too large resource version: {wanted}, current: {current}", details) { RetryAfterSeconds = 1 };
    }

    public static ApiException PathNotFound() => new(404, "NotFound", "the server could not find the requested resource");

    public static ApiException MethodNotAllowed(string method) =>
        new(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({method})");

    /// <summary>422 with one cause per invalid field, worded like the real server's field errors.</summary>
    public static ApiException Invalid(ResourceType type, string name, IReadOnlyList<FieldError> errors)
    {
        var causes = new JsonArray();
        foreach (var e in errors)
        {
            causes.Add((JsonNode)new JsonObject { ["reason"] = e.Reason, ["message"] = e.Message, ["field"] = e.Field });
        }

        var details = DetailsFor(type, name);
        details["kind"] = type.Kind;
        details["causes"] = causes;
        var summary = string.Join(", ", errors.Select(e => $"{e.Field}: {e.Message}"));
        var message = errors.Count == 1 ? summary : $"[{summary}]";
        return new(422, "Invalid", $"{type.Kind} \"{name}\" is invalid: {message}", details);
    }

    private static JsonObject DetailsFor(ResourceType type, string name)
    {
        var details = new JsonObject { ["name"] = name };
        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }

        details["kind"] = type.Plural;
        return details;
    }
}
