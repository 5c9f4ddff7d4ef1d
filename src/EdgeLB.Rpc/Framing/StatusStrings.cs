using System.Globalization;

namespace EdgeLB.Rpc.Framing;

/// <summary>grpc-status header values, cached so the hot path does not format integers.</summary>
internal static class StatusStrings
{
    private static readonly string[] Cached = [.. Enumerable.Range(0, 17).Select(i => i.ToString(CultureInfo.InvariantCulture))];

    public static string Get(StatusCode code)
    {
        var i = (int)code;
        return (uint)i < (uint)Cached.Length ? Cached[i] : i.ToString(CultureInfo.InvariantCulture);
    }

    public static bool TryParse(string? text, out StatusCode code)
    {
        code = StatusCode.Unknown;
        if (text is null || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        // Codes we do not know are still codes; callers see them as the number.
        code = (StatusCode)value;
        return true;
    }
}
