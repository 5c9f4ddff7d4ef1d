using System.Runtime.InteropServices;

namespace EdgeLB.Net.Netlink;

/// <summary>The kernel refused a netlink request; <see cref="Errno"/> says why.</summary>
public sealed class NetlinkException : IOException
{
    public NetlinkException(string request, int errno)
        : base($"{request}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})") => Errno = errno;

    public NetlinkException()
    {
    }

    public NetlinkException(string message)
        : base(message)
    {
    }

    public NetlinkException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The Linux errno, e.g. 19 (ENODEV) for an unknown interface, 1 (EPERM) without CAP_NET_ADMIN.</summary>
    public int Errno { get; }
}
