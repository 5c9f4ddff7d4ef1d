using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace EdgeLB.Core.Addresses;

/// <summary>
/// An IP address as a number, so ranges, counts and arithmetic work the same for both families
/// without allocating. IPv4 uses the low 32 bits.
/// </summary>
public readonly record struct IPValue(IPFamily Family, UInt128 Value) : IComparable<IPValue>
{
    public static IPValue FromAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return new IPValue(IPFamily.IPv4, BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        address.TryWriteBytes(bytes, out _);
        return new IPValue(IPFamily.IPv6, BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    public static bool TryParse(string? text, out IPValue value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text) || text.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        // IPAddress.TryParse accepts shorthand such as "10" or "1.2.3"; Kubernetes does not, and
        // neither do we: IPv4 must be four dotted decimals.
        if (!text.Contains(':', StringComparison.Ordinal) && text.Count(c => c == '.') != 3)
        {
            return false;
        }

        if (!IPAddress.TryParse(text, out var address))
        {
            return false;
        }

        value = FromAddress(address);
        return true;
    }

    public static IPValue Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"\"{text}\" is not an IP address");

    public int Bits => Family == IPFamily.IPv4 ? 32 : 128;

    public UInt128 MaxValue => Family == IPFamily.IPv4 ? uint.MaxValue : UInt128.MaxValue;

    public IPAddress ToAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (Family == IPFamily.IPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Value);
            return new IPAddress(bytes[..4]);
        }

        BinaryPrimitives.WriteUInt128BigEndian(bytes, Value);
        return new IPAddress(bytes);
    }

    public int CompareTo(IPValue other)
    {
        var byFamily = Family.CompareTo(other.Family);
        return byFamily != 0 ? byFamily : Value.CompareTo(other.Value);
    }

    public static bool operator <(IPValue left, IPValue right) => left.CompareTo(right) < 0;

    public static bool operator >(IPValue left, IPValue right) => left.CompareTo(right) > 0;

    public static bool operator <=(IPValue left, IPValue right) => left.CompareTo(right) <= 0;

    public static bool operator >=(IPValue left, IPValue right) => left.CompareTo(right) >= 0;

    public override string ToString() => ToAddress().ToString();
}
