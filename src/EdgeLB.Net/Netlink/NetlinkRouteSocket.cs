using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EdgeLB.Net.Netlink;

/// <summary>
/// A NETLINK_ROUTE socket: dumps of links, addresses and neighbours, and (when bound to groups)
/// change notifications. Like every socket it lives in the network namespace of the thread that opens it.
/// </summary>
internal sealed class NetlinkRouteSocket : IDisposable
{
    public const uint GroupLink = 0x1;
    public const uint GroupIPv4Address = 0x10;
    public const uint GroupIPv6Address = 0x100;

    /// <summary>NLM_F_REPLACE: a new-request overwrites an existing object.</summary>
    public const ushort FlagReplace = 0x100;

    /// <summary>NLM_F_CREATE: a new-request creates the object if it does not exist.</summary>
    public const ushort FlagCreate = 0x400;

    private const ushort FlagRequest = 0x1;
    private const ushort FlagAck = 0x4;
    private const ushort FlagDump = 0x300;

    private readonly Socket _socket;
    private uint _sequence;

    public NetlinkRouteSocket(uint groups = 0)
    {
        var fd = NativeMethods.Socket(NativeMethods.AfNetlink, NativeMethods.SockRaw | NativeMethods.SockCloexec, NativeMethods.NetlinkRoute);
        if (fd < 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }

        // struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; u32 nl_pid; u32 nl_groups; }: pid 0 lets the kernel choose.
        var address = new byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(address, NativeMethods.AfNetlink);
        BinaryPrimitives.WriteUInt32LittleEndian(address.AsSpan(8), groups);
        if (NativeMethods.Bind(fd, address, address.Length) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            _ = NativeMethods.Close(fd);
            throw new SocketException(error);
        }

        _socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        try
        {
            _socket.ReceiveBufferSize = 1 << 20;
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    public Socket Socket => _socket;

    /// <summary>Sends a dump request and hands every reply message to <paramref name="onMessage"/>.</summary>
    public void Dump(ushort type, ReadOnlySpan<byte> requestBody, NetlinkMessageHandler onMessage)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        var error = Exchange(type, FlagDump, requestBody, onMessage);
        if (error != 0)
        {
            throw new SocketException(error);
        }
    }

    /// <summary>
    /// Sends one request with NLM_F_ACK and waits for the kernel's acknowledgement; replies that come
    /// before it (a get's answer) go to <paramref name="onReply"/>. <paramref name="flags"/> are the
    /// NLM_F_* flags besides REQUEST and ACK, e.g. <see cref="FlagCreate"/>.
    /// </summary>
    /// <returns>0, or the errno the kernel refused the request with.</returns>
    public int Request(ushort type, ushort flags, ReadOnlySpan<byte> requestBody, NetlinkMessageHandler? onReply = null) =>
        Exchange(type, (ushort)(flags | FlagAck), requestBody, onReply);

    /// <summary>Sends a request and reads its answers until NLMSG_DONE or NLMSG_ERROR; returns the errno (0: none).</summary>
    private int Exchange(ushort type, ushort flags, ReadOnlySpan<byte> requestBody, NetlinkMessageHandler? onMessage)
    {
        var sequence = ++_sequence;
        Span<byte> request = stackalloc byte[NetlinkMessage.HeaderLength + requestBody.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)request.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(request[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(request[6..], (ushort)(FlagRequest | flags));
        BinaryPrimitives.WriteUInt32LittleEndian(request[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(request[12..], 0);
        requestBody.CopyTo(request[NetlinkMessage.HeaderLength..]);
        _socket.Send(request);

        var buffer = new byte[1 << 16];
        while (true)
        {
            var read = _socket.Receive(buffer);
            ReadOnlySpan<byte> rest = buffer.AsSpan(0, read);
            while (NetlinkMessage.TryRead(ref rest, out var message))
            {
                // A socket bound to groups also receives notifications (sequence 0) in between.
                if (message.Sequence != sequence)
                {
                    continue;
                }

                switch (message.Type)
                {
                    case NetlinkMessage.Done:
                        return 0;
                    case NetlinkMessage.Error:
                        // struct nlmsgerr starts with the negative errno; 0 is the acknowledgement.
                        return message.Body.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(message.Body) : 0;
                    default:
                        onMessage?.Invoke(message);
                        break;
                }
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
