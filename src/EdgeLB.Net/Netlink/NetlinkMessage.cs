using System.Buffers.Binary;

namespace EdgeLB.Net.Netlink;

/// <summary>One netlink message inside a receive buffer: its type, sequence number and the bytes after the 16-byte header.</summary>
internal readonly ref struct NetlinkMessage
{
    public const int HeaderLength = 16;

    public const ushort Error = 2;
    public const ushort Done = 3;
    public const ushort NewLink = 16;
    public const ushort DeleteLink = 17;
    public const ushort GetLink = 18;
    public const ushort NewAddress = 20;
    public const ushort DeleteAddress = 21;
    public const ushort GetAddress = 22;
    public const ushort NewNeighbor = 28;
    public const ushort GetNeighbor = 30;

    public ushort Type { get; init; }

    /// <summary>The sequence number of the request this answers; 0 for notifications.</summary>
    public uint Sequence { get; init; }

    public ReadOnlySpan<byte> Body { get; init; }

    /// <summary>
    /// Takes the first message off <paramref name="buffer"/>; false at the end or on a malformed length,
    /// which ends the walk rather than throwing.
    /// </summary>
    public static bool TryRead(ref ReadOnlySpan<byte> buffer, out NetlinkMessage message)
    {
        message = default;
        if (buffer.Length < HeaderLength)
        {
            return false;
        }

        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        if (length < HeaderLength || length > buffer.Length)
        {
            return false;
        }

        message = new NetlinkMessage
        {
            Type = BinaryPrimitives.ReadUInt16LittleEndian(buffer[4..]),
            Sequence = BinaryPrimitives.ReadUInt32LittleEndian(buffer[8..]),
            Body = buffer[HeaderLength..length],
        };
        var aligned = Math.Min((length + 3) & ~3, buffer.Length);
        buffer = buffer[aligned..];
        return true;
    }

    /// <summary>Walks the route attributes (<c>struct rtattr</c>).</summary>
    public static bool TryReadAttribute(ref ReadOnlySpan<byte> attributes, out ushort type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        if (attributes.Length < 4)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
        if (length < 4 || length > attributes.Length)
        {
            return false;
        }

        type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]) & 0x3FFF);
        value = attributes[4..length];
        attributes = attributes[Math.Min((length + 3) & ~3, attributes.Length)..];
        return true;
    }
}
