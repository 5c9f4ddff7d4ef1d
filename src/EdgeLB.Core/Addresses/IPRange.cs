namespace EdgeLB.Core.Addresses;

/// <summary>An inclusive range of addresses of one family, written as a CIDR, "first-last" or one address.</summary>
/// <param name="Family">IPv4 or IPv6.</param>
/// <param name="First">The first address, as a number.</param>
/// <param name="Last">The last address, as a number.</param>
/// <param name="ReservesFirst">
/// Whether the first address is never handed out: set for an IPv6 CIDR up to /126, whose first
/// address (all-zero interface identifier) is its Subnet-Router anycast address (RFC 4291 §2.6.1).
/// A "first-last" range names no prefix, so every address in it is the operator's to hand out; /127
/// and /128 have no such address (RFC 6164).
/// </param>
public readonly record struct IPRange(IPFamily Family, UInt128 First, UInt128 Last, bool ReservesFirst = false)
{
    /// <summary>Longest IPv6 prefix whose first address is kept back as Subnet-Router anycast.</summary>
    public const int LongestPrefixWithAnycast = 126;

    public UInt128 Size => Last - First + 1;

    /// <summary>The first address that may be handed out.</summary>
    public UInt128 FirstUsable => ReservesFirst ? First + 1 : First;

    public IPValue FirstAddress => new(Family, First);

    public IPValue LastAddress => new(Family, Last);

    public bool Contains(IPValue address) => address.Family == Family && address.Value >= First && address.Value <= Last;

    /// <summary>Whether the address is in the range and may be handed out (not a reserved Subnet-Router anycast address).</summary>
    public bool ContainsUsable(IPValue address) => Contains(address) && address.Value >= FirstUsable;

    public bool Overlaps(IPRange other) => other.Family == Family && other.First <= Last && First <= other.Last;

    /// <summary>Parses a CIDR, a "first-last" range or a single address; on failure says precisely why.</summary>
    public static bool TryParse(string? text, out IPRange range, out string error)
    {
        range = default;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "an address range must not be empty";
            return false;
        }

        text = text.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            return TryParseCidr(text, slash, out range, out error);
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            var firstText = text[..dash].Trim();
            var lastText = text[(dash + 1)..].Trim();
            if (!IPValue.TryParse(firstText, out var first))
            {
                error = $"\"{firstText}\" is not an IP address";
                return false;
            }

            if (!IPValue.TryParse(lastText, out var last))
            {
                error = $"\"{lastText}\" is not an IP address";
                return false;
            }

            if (first.Family != last.Family)
            {
                error = $"\"{text}\" mixes IPv4 and IPv6";
                return false;
            }

            if (first.Value > last.Value)
            {
                error = $"\"{text}\" ends before it starts";
                return false;
            }

            range = new IPRange(first.Family, first.Value, last.Value);
            return true;
        }

        if (!IPValue.TryParse(text, out var single))
        {
            error = $"\"{text}\" is not an IP address";
            return false;
        }

        range = new IPRange(single.Family, single.Value, single.Value);
        return true;
    }

    public static IPRange Parse(string text) =>
        TryParse(text, out var range, out var error) ? range : throw new FormatException(error);

    private static bool TryParseCidr(string text, int slash, out IPRange range, out string error)
    {
        range = default;
        var addressText = text[..slash];
        var prefixText = text[(slash + 1)..];
        if (!IPValue.TryParse(addressText, out var address))
        {
            error = $"\"{addressText}\" is not an IP address";
            return false;
        }

        if (!int.TryParse(prefixText, System.Globalization.NumberStyles.None, null, out var prefix) || prefix > address.Bits)
        {
            error = $"\"{text}\" has an invalid prefix length (0-{address.Bits} for {address.Family})";
            return false;
        }

        var hostBits = address.Bits - prefix;
        var hostMask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        if ((address.Value & hostMask) != 0)
        {
            error = $"\"{text}\" has host bits set; did you mean \"{new IPValue(address.Family, address.Value & ~hostMask)}/{prefix}\"?";
            return false;
        }

        range = new IPRange(address.Family, address.Value, address.Value | hostMask, address.Family == IPFamily.IPv6 && prefix <= LongestPrefixWithAnycast);
        error = string.Empty;
        return true;
    }

    public override string ToString() => First == Last ? FirstAddress.ToString() : $"{FirstAddress}-{LastAddress}";
}
