namespace EdgeLB.Kubernetes.Serialization;

/// <summary>metav1.MicroTime: RFC 3339 with exactly six fractional digits (2006-01-02T15:04:05.000000Z), used by Lease and Event.</summary>
public sealed class MicroTimeConverter() : RfcTimeConverter(Pattern, "micro time")
{
    private const string Pattern = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>Truncates to the microsecond, the precision that survives a round trip.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);
}
