using System.Globalization;

namespace EdgeLB.Kubernetes.Serialization;

/// <summary>metav1.Time: RFC 3339 in UTC with whole seconds, as the API server writes it.</summary>
public sealed class KubeTimeConverter() : RfcTimeConverter(Pattern, "time")
{
    private const string Pattern = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    /// <summary>Formats as the API server does: <c>2006-01-02T15:04:05Z</c>.</summary>
    public static string Format(DateTimeOffset value) => value.UtcDateTime.ToString(Pattern, CultureInfo.InvariantCulture);
}
