using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace EdgeLB.Net.Ip;

/// <summary>An IPv4 address as one integer (first octet most significant): compares and hashes without allocating.</summary>
public readonly record struct IPv4Address(uint Value)
{
    /// <summary>0.0.0.0, the sender address of an ARP probe.</summary>
    public static IPv4Address Any { get; }

    public bool IsAny => Value == 0;

    public static IPv4Address Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt32BigEndian(source));

    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, Value);

    /// <summary>Converts an <see cref="IPAddress"/> of family InterNetwork.</summary>
    public static IPv4Address From(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"{address} is not an IPv4 address", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return Read(bytes);
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[4];
        WriteTo(bytes);
        return new IPAddress(bytes);
    }

    public override string ToString() => $"{Value >> 24}.{(Value >> 16) & 0xFF}.{(Value >> 8) & 0xFF}.{Value & 0xFF}";
}
