using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>The generic checks every object passes before it is stored: names and label syntax.</summary>
internal static partial class ObjectValidator
{
    public static void Validate(ResourceType type, JsonObject obj)
    {
        var meta = JsonTree.Metadata(obj);
        var name = JsonTree.GetString(meta, "name") ?? "";
        var errors = new List<FieldError>();
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
        }
        else if (type.Kind is "Service" or "Namespace")
        {
            if (name.Length > 63 || !(type.Kind == "Service" ? Dns1035Label() : Dns1123Label()).IsMatch(name))
            {
                errors.Add(FieldError.InvalidValue("metadata.name", name, type.Kind == "Service"
                    ? "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
                    : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"));
            }
        }
        else if (name.Length > 253 || !Dns1123Subdomain().IsMatch(name))
        {
            errors.Add(FieldError.InvalidValue("metadata.name", name,
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
        }

        foreach (var field in new[] { "labels", "annotations" })
        {
            if (meta[field] is null)
            {
                continue;
            }

            if (meta[field] is not JsonObject map)
            {
                errors.Add(FieldError.InvalidValue($"metadata.{field}", meta[field]!.ToJsonString(), "must be a map of strings"));
                continue;
            }

            foreach (var (k, v) in map)
            {
                if (v is not JsonValue value || value.GetValueKind() != System.Text.Json.JsonValueKind.String)
                {
                    errors.Add(FieldError.InvalidValue($"metadata.{field}", k, "values must be strings"));
                }
                else if (field == "labels" && (value.GetValue<string>().Length > 63 || !LabelValue().IsMatch(value.GetValue<string>())))
                {
                    errors.Add(FieldError.InvalidValue($"metadata.labels", value.GetValue<string>(), "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
                }
            }
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid(type, name, errors);
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LabelValue();
}
