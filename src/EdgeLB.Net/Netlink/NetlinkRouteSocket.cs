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

    private const ushort FlagRequest = 0x1;
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
        var sequence = ++_sequence;
        Span<byte> request = stackalloc byte[NetlinkMessage.HeaderLength + requestBody.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)request.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(request[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(request[6..], FlagRequest | FlagDump);
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
                if (message.Type == NetlinkMessage.Done)
                {
                    return;
                }

                if (message.Type == NetlinkMessage.Error)
                {
                    var code = message.Body.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(message.Body) : 0;
                    if (code == 0)
                    {
                        return;
                    }

                    throw new SocketException(-code);
                }

                onMessage(message);
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
