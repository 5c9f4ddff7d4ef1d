using System.Buffers.Binary;
using System.Globalization;
using EdgeLB.Net.Ip;

namespace EdgeLB.Net.Ethernet;

/// <summary>A 48-bit IEEE 802 MAC address held in one integer, so comparing and copying never allocates.</summary>
public readonly record struct MacAddress
{
    /// <summary>Length of a MAC address on the wire.</summary>
    public const int Length = 6;

    private const ulong Mask = 0xFFFF_FFFF_FFFFUL;

    private readonly ulong _value;

    /// <summary>Creates an address from its 48-bit value, the first octet being the most significant.</summary>
    public MacAddress(ulong value)
    {
        _value = value & Mask;
    }

    /// <summary>ff:ff:ff:ff:ff:ff.</summary>
    public static MacAddress Broadcast { get; } = new(Mask);

    /// <summary>00:00:00:00:00:00, the "unknown" hardware address of ARP.</summary>
    public static MacAddress Zero { get; }

    /// <summary>The 48-bit value.</summary>
    public ulong Value => _value;

    /// <summary>Group bit set: multicast or broadcast.</summary>
    public bool IsMulticast => (_value & 0x0100_0000_0000UL) != 0;

    public bool IsBroadcast => _value == Mask;

    public bool IsZero => _value == 0;

    /// <summary>Reads 6 bytes; the span must hold at least 6.</summary>
    public static MacAddress Read(ReadOnlySpan<byte> source) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(source) << 32) | BinaryPrimitives.ReadUInt32BigEndian(source[2..]));

    /// <summary>Writes 6 bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(_value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)_value);
    }

    /// <summary>The Ethernet group address an IPv6 multicast address maps to (RFC 2464 §7): 33:33 + its last 32 bits.</summary>
    public static MacAddress ForIPv6Multicast(IPv6Address group) => new(0x3333_0000_0000UL | (uint)group.Low);

    /// <summary>Parses "aa:bb:cc:dd:ee:ff" (or with '-').</summary>
    public static bool TryParse(string? text, out MacAddress address)
    {
        address = default;
        if (text is null || text.Length != 17)
        {
            return false;
        }

        ulong value = 0;
        for (var i = 0; i < 6; i++)
        {
            if (i > 0 && text[(i * 3) - 1] is not (':' or '-'))
            {
                return false;
            }

            if (!byte.TryParse(text.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                return false;
            }

            value = (value << 8) | b;
        }

        address = new MacAddress(value);
        return true;
    }

    /// <summary>Parses "aa:bb:cc:dd:ee:ff"; throws <see cref="FormatException"/> on anything else.</summary>
    public static MacAddress Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not a MAC address (expected aa:bb:cc:dd:ee:ff)");

    public override string ToString() => string.Create(17, _value, static (span, v) =>
    {
        for (var i = 0; i < 6; i++)
        {
            var b = (byte)(v >> (40 - (8 * i)));
            if (i > 0)
            {
                span[(i * 3) - 1] = ':';
            }

            b.TryFormat(span[(i * 3)..], out _, "x2", CultureInfo.InvariantCulture);
        }
    });
}
