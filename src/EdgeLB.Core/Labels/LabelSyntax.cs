using System.Text.RegularExpressions;

namespace EdgeLB.Core.Labels;

/// <summary>The Kubernetes syntax rules for label keys, label values and namespace names.</summary>
public static partial class LabelSyntax
{
    /// <summary>Why a label key is invalid, or null when it is valid.</summary>
    public static string? CheckKey(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "a label key must not be empty";
        }

        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length > 253 || !DnsSubdomain().IsMatch(prefix))
            {
                return $"\"{key}\": the prefix must be a DNS subdomain";
            }
        }

        return name.Length is > 0 and <= 63 && QualifiedName().IsMatch(name)
            ? null
            : $"\"{key}\": the name part must be 1-63 characters of [A-Za-z0-9_.-], starting and ending with an alphanumeric";
    }

    /// <summary>Why a label value is invalid, or null when it is valid.</summary>
    public static string? CheckValue(string? value) =>
        value is null || (value.Length <= 63 && (value.Length == 0 || QualifiedName().IsMatch(value)))
            ? null
            : $"\"{value}\": a label value must be at most 63 characters of [A-Za-z0-9_.-], starting and ending with an alphanumeric";

    /// <summary>Why a namespace name is invalid, or null when it is valid.</summary>
    public static string? CheckNamespace(string? name) =>
        name is { Length: > 0 and <= 63 } && DnsLabel().IsMatch(name)
            ? null
            : $"\"{name}\" is not a valid namespace name (a DNS label: lowercase alphanumerics and '-')";

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 100)]
    private static partial Regex QualifiedName();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 100)]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 100)]
    private static partial Regex DnsLabel();
}
