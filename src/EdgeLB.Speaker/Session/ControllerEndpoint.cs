using System.Globalization;

namespace EdgeLB.Speaker.Session;

/// <summary>One coordinator address, <c>host:port</c> (IPv6 literals in brackets), dialled as h2c.</summary>
internal sealed record ControllerEndpoint(string Host, int Port)
{
    public Uri Uri => new($"http://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}");

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    public static bool TryParse(string? text, out ControllerEndpoint endpoint)
    {
        endpoint = null!;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }

        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            return false; // an IPv6 literal needs brackets, or the port is ambiguous
        }

        if (host.Length == 0 || host.Any(char.IsWhiteSpace) || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }

        endpoint = new ControllerEndpoint(host, port);
        return true;
    }

    /// <summary>Parses a comma-separated list; throws <see cref="FormatException"/> naming the bad entry.</summary>
    public static IReadOnlyList<ControllerEndpoint> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<ControllerEndpoint>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add(TryParse(part, out var endpoint) ? endpoint : throw new FormatException($"\"{part}\" is not host:port"));
        }

        return list;
    }
}
