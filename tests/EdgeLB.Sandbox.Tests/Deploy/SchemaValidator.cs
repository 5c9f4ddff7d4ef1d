using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>
/// Checks an object against a CRD's structural openAPIV3Schema the way the API server and kubectl's strict
/// field validation would for the keywords our CRDs use: type, properties (unknown fields rejected unless
/// x-kubernetes-preserve-unknown-fields), additionalProperties, items, required, enum, minItems/maxItems,
/// minLength/maxLength, minimum/maximum and format date-time. CEL rules are not evaluated.
/// </summary>
internal static class SchemaValidator
{
    public static IReadOnlyList<string> Validate(JsonNode? value, JsonObject schema)
    {
        var errors = new List<string>();
        Check(value, schema, "", errors, isRoot: true);
        return errors;
    }

    private static void Check(JsonNode? value, JsonObject schema, string path, List<string> errors, bool isRoot = false)
    {
        var at = path.Length == 0 ? "<root>" : path;
        if (value is null)
        {
            if (schema["nullable"]?.GetValue<bool>() != true)
            {
                errors.Add($"{at}: null is not allowed");
            }

            return;
        }

        var type = (string?)schema["type"];
        switch (type)
        {
            case "object":
                if (value is not JsonObject obj)
                {
                    errors.Add($"{at}: expected object, got {Describe(value)}");
                    return;
                }

                CheckObject(obj, schema, path, errors, isRoot);
                break;
            case "array":
                if (value is not JsonArray array)
                {
                    errors.Add($"{at}: expected array, got {Describe(value)}");
                    return;
                }

                CheckArray(array, schema, path, errors);
                break;
            case "string":
                if (!Is(value, JsonValueKind.String))
                {
                    errors.Add($"{at}: expected string, got {Describe(value)}");
                    return;
                }

                CheckString(value.GetValue<string>(), schema, at, errors);
                break;
            case "integer":
                if (!Is(value, JsonValueKind.Number) || Math.Abs(ToDouble(value) % 1) > 0)
                {
                    errors.Add($"{at}: expected integer, got {Describe(value)}");
                    return;
                }

                CheckNumber(ToDouble(value), schema, at, errors);
                break;
            case "number":
                if (!Is(value, JsonValueKind.Number))
                {
                    errors.Add($"{at}: expected number, got {Describe(value)}");
                    return;
                }

                CheckNumber(ToDouble(value), schema, at, errors);
                break;
            case "boolean":
                if (!Is(value, JsonValueKind.True) && !Is(value, JsonValueKind.False))
                {
                    errors.Add($"{at}: expected boolean, got {Describe(value)}");
                }

                break;
            default:
                // A structural schema names a type at every level, except where it preserves unknown fields.
                if (schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() != true && schema["x-kubernetes-int-or-string"]?.GetValue<bool>() != true)
                {
                    errors.Add($"{at}: schema has no type (not structural)");
                }

                return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            errors.Add($"{at}: {value.ToJsonString()} is not one of {allowed.ToJsonString()}");
        }
    }

    private static void CheckObject(JsonObject obj, JsonObject schema, string path, List<string> errors, bool isRoot)
    {
        foreach (var required in schema["required"]?.AsArray() ?? [])
        {
            var name = required!.GetValue<string>();
            if (!obj.ContainsKey(name))
            {
                errors.Add($"{Join(path, name)}: required field is missing");
            }
        }

        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"];
        var preserve = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        foreach (var (name, child) in obj)
        {
            var childPath = Join(path, name);
            if (properties?[name] is JsonObject childSchema)
            {
                // The API server validates metadata itself; the CRD schema may only say "type: object".
                if (!(isRoot && name == "metadata"))
                {
                    Check(child, childSchema, childPath, errors);
                }
            }
            else if (additional is JsonObject additionalSchema)
            {
                Check(child, additionalSchema, childPath, errors);
            }
            else if (additional is JsonValue v && v.GetValue<bool>())
            {
                // Any value is allowed.
            }
            else if (isRoot && name is "apiVersion" or "kind" or "metadata")
            {
                // Every object carries these, whatever the schema lists.
            }
            else if (!preserve)
            {
                errors.Add($"{childPath}: unknown field");
            }
        }
    }

    private static void CheckArray(JsonArray array, JsonObject schema, string path, List<string> errors)
    {
        var at = path.Length == 0 ? "<root>" : path;
        if (schema["minItems"] is { } min && array.Count < ToDouble(min))
        {
            errors.Add($"{at}: needs at least {min} items, has {array.Count}");
        }

        if (schema["maxItems"] is { } max && array.Count > ToDouble(max))
        {
            errors.Add($"{at}: allows at most {max} items, has {array.Count}");
        }

        if (schema["items"] is not JsonObject items)
        {
            errors.Add($"{at}: array schema has no items (not structural)");
            return;
        }

        for (var i = 0; i < array.Count; i++)
        {
            Check(array[i], items, $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]", errors);
        }
    }

    private static void CheckString(string s, JsonObject schema, string at, List<string> errors)
    {
        if (schema["minLength"] is { } min && s.Length < ToDouble(min))
        {
            errors.Add($"{at}: shorter than {min}");
        }

        if (schema["maxLength"] is { } max && s.Length > ToDouble(max))
        {
            errors.Add($"{at}: longer than {max}");
        }

        if ((string?)schema["format"] == "date-time" && !DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
        {
            errors.Add($"{at}: \"{s}\" is not a date-time");
        }
    }

    private static void CheckNumber(double n, JsonObject schema, string at, List<string> errors)
    {
        if (schema["minimum"] is { } min && n < ToDouble(min))
        {
            errors.Add($"{at}: {n.ToString(CultureInfo.InvariantCulture)} is below the minimum {min}");
        }

        if (schema["maximum"] is { } max && n > ToDouble(max))
        {
            errors.Add($"{at}: {n.ToString(CultureInfo.InvariantCulture)} is above the maximum {max}");
        }
    }

    private static bool Is(JsonNode node, JsonValueKind kind) => node is JsonValue v && v.GetValueKind() == kind;

    // Numbers from YAML are stored as long or double; going through the JSON text reads either.
    private static double ToDouble(JsonNode node) => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);

    private static string Describe(JsonNode node) => node switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind().ToString().ToLowerInvariant(),
        _ => "unknown",
    };

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
