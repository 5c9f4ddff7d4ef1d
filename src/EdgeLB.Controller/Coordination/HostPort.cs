using System.Globalization;

namespace EdgeLB.Controller.Coordination;

/// <summary>"host:port" as speakers dial it ("[v6]:port" for IPv6 literals).</summary>
internal static class HostPort
{
    public static bool TryParse(string? text, out string host, out int port)
    {
        host = string.Empty;
        port = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = text[..colon];
        return host.Length > 0 && !host.Contains(' ', StringComparison.Ordinal);
    }

    public static string Format(string host, int port) =>
        (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);
}
