using System.Buffers.Binary;
using System.Net.Sockets;
using EdgeLB.Net.Netlink;

namespace EdgeLB.Net.Interfaces;

/// <summary>
/// Raises <see cref="Changed"/> when links or addresses change, from an rtnetlink socket joined to
/// RTMGRP_LINK, RTMGRP_IPV4_IFADDR and RTMGRP_IPV6_IFADDR (push, not polling). The socket is opened in
/// the constructor, so it watches the network namespace of the constructing thread.
/// </summary>
public sealed class InterfaceMonitor : IDisposable
{
    private readonly NetlinkRouteSocket _netlink;
    private readonly Thread _thread;
    private volatile bool _disposed;

    public InterfaceMonitor()
    {
        _netlink = new NetlinkRouteSocket(NetlinkRouteSocket.GroupLink | NetlinkRouteSocket.GroupIPv4Address | NetlinkRouteSocket.GroupIPv6Address);
        _thread = new Thread(Run) { IsBackground = true, Name = "edgelb-ifmon" };
        _thread.Start();
    }

    /// <summary>Raised on the monitor's own thread; handlers should be quick.</summary>
    public event EventHandler<InterfaceChangedEventArgs>? Changed;

    public void Dispose()
    {
        _disposed = true;
        _thread.Join(TimeSpan.FromSeconds(2));
        _netlink.Dispose();
    }

    private void Run()
    {
        var buffer = new byte[1 << 16];
        while (!_disposed)
        {
            int read;
            try
            {
                if (!_netlink.Socket.Poll(TimeSpan.FromMilliseconds(200), SelectMode.SelectRead))
                {
                    continue;
                }

                read = _netlink.Socket.Receive(buffer);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.NoBufferSpaceAvailable)
            {
                Changed?.Invoke(this, new InterfaceChangedEventArgs(InterfaceChangeKind.Overrun, 0));
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            ReadOnlySpan<byte> rest = buffer.AsSpan(0, read);
            while (NetlinkMessage.TryRead(ref rest, out var message))
            {
                var kind = message.Type switch
                {
                    NetlinkMessage.NewLink => InterfaceChangeKind.LinkChanged,
                    NetlinkMessage.DeleteLink => InterfaceChangeKind.LinkRemoved,
                    NetlinkMessage.NewAddress => InterfaceChangeKind.AddressAdded,
                    NetlinkMessage.DeleteAddress => InterfaceChangeKind.AddressRemoved,
                    _ => (InterfaceChangeKind?)null,
                };
                if (kind is null || message.Body.Length < 8)
                {
                    continue;
                }

                // ifinfomsg and ifaddrmsg both carry the index at byte 4.
                var index = BinaryPrimitives.ReadInt32LittleEndian(message.Body[4..]);
                Changed?.Invoke(this, new InterfaceChangedEventArgs(kind.Value, index));
            }
        }
    }
}
