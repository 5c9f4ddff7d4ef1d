using System.Globalization;

namespace EdgeLB.Rpc.Framing;

/// <summary>The grpc-timeout header: at most 8 ASCII digits followed by a unit H, M, S, m, u or n.</summary>
internal static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    public static bool TryParse(string? text, out TimeSpan timeout)
    {
        timeout = default;
        if (text is null || text.Length < 2 || text.Length > 9)
        {
            return false;
        }

        long value = 0;
        for (var i = 0; i < text.Length - 1; i++)
        {
            var c = text[i];
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        long? ticks = text[^1] switch
        {
            'H' => value * TimeSpan.TicksPerHour,
            'M' => value * TimeSpan.TicksPerMinute,
            'S' => value * TimeSpan.TicksPerSecond,
            'm' => value * TimeSpan.TicksPerMillisecond,
            'u' => value * TimeSpan.TicksPerMicrosecond,
            'n' => value / 100,
            _ => null,
        };
        if (ticks is null)
        {
            return false;
        }

        timeout = TimeSpan.FromTicks(ticks.Value);
        return true;
    }

    /// <summary>Formats a positive timeout in the finest unit whose value fits 8 digits, rounding up.</summary>
    public static string Format(TimeSpan timeout)
    {
        var ticks = Math.Max(timeout.Ticks, 1);
        var micros = CeilDiv(ticks, TimeSpan.TicksPerMicrosecond);
        if (micros <= MaxValue)
        {
            return micros.ToString(CultureInfo.InvariantCulture) + "u";
        }

        var millis = CeilDiv(ticks, TimeSpan.TicksPerMillisecond);
        if (millis <= MaxValue)
        {
            return millis.ToString(CultureInfo.InvariantCulture) + "m";
        }

        var seconds = CeilDiv(ticks, TimeSpan.TicksPerSecond);
        if (seconds <= MaxValue)
        {
            return seconds.ToString(CultureInfo.InvariantCulture) + "S";
        }

        var minutes = CeilDiv(ticks, TimeSpan.TicksPerMinute);
        if (minutes <= MaxValue)
        {
            return minutes.ToString(CultureInfo.InvariantCulture) + "M";
        }

        return Math.Min(CeilDiv(ticks, TimeSpan.TicksPerHour), MaxValue).ToString(CultureInfo.InvariantCulture) + "H";
    }

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;
}
