using System.Runtime.InteropServices;

namespace EdgeLB.Net.Netlink;

/// <summary>
/// libc calls for netlink sockets: .NET's <see cref="System.Net.Sockets.AddressFamily"/> has no netlink
/// member, so the socket is created and bound natively and then wrapped in a managed Socket.
/// </summary>
internal static class NativeMethods
{
    public const int AfNetlink = 16;
    public const int SockRaw = 3;
    public const int SockCloexec = 0x80000;
    public const int NetlinkRoute = 0;

    [DllImport("libc", SetLastError = true, EntryPoint = "socket")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Socket(int domain, int type, int protocol);

    [DllImport("libc", SetLastError = true, EntryPoint = "bind")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Bind(int fd, byte[] address, int length);

    [DllImport("libc", SetLastError = true, EntryPoint = "close")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Close(int fd);
}
