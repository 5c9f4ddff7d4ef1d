using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net;
using System.Runtime.InteropServices;

namespace EdgeLB.Net.Ip;

/// <summary>An IPv6 address as two integers (network order halves): compares and hashes without allocating.</summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct IPv6Address(ulong High, ulong Low)
{
    /// <summary>Length on the wire.</summary>
    public const int Length = 16;

    /// <summary>::, the source of a Duplicate Address Detection solicitation.</summary>
    public static IPv6Address Unspecified { get; }

    /// <summary>ff02::1, all nodes on the link.</summary>
    public static IPv6Address AllNodes { get; } = new(0xFF02_0000_0000_0000UL, 1);

    public bool IsUnspecified => High == 0 && Low == 0;

    public bool IsMulticast => (High >> 56) == 0xFF;

    /// <summary>fe80::/10.</summary>
    public bool IsLinkLocal => (High >> 54) == (0xFE80UL >> 6);

    /// <summary>ff02::1:ffXX:XXXX, the group where solicitations for <paramref name="target"/> arrive (RFC 4291 §2.7.1).</summary>
    public static IPv6Address SolicitedNode(IPv6Address target) =>
        new(0xFF02_0000_0000_0000UL, 0x0000_0001_FF00_0000UL | (target.Low & 0x00FF_FFFFUL));

    public static IPv6Address Read(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(source), BinaryPrimitives.ReadUInt64BigEndian(source[8..]));

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    /// <summary>Converts an <see cref="IPAddress"/> of family InterNetworkV6 (the scope id is dropped).</summary>
    public static IPv6Address From(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"{address} is not an IPv6 address", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return Read(bytes);
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteTo(bytes);
        return new IPAddress(bytes);
    }

    public override string ToString() => ToIPAddress().ToString();
}
