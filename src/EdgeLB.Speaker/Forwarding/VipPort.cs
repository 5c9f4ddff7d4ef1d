using System.Net;
using System.Net.Sockets;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>One forwarded front end: a virtual IP, a port and a protocol.</summary>
internal readonly record struct VipPort(IPAddress Address, int Port, ForwardProtocol Protocol)
{
    public IPEndPoint EndPoint => new(Address, Port);

    public bool IsIPv6 => Address.AddressFamily == AddressFamily.InterNetworkV6;

    public override string ToString() =>
        $"{(Protocol == ForwardProtocol.Tcp ? "tcp" : "udp")}/{new IPEndPoint(Address, Port)}";

    /// <summary>Checks what the kernel would reject later, so bad input fails with a clear message.</summary>
    public void Validate(string paramName)
    {
        if (Address is null)
        {
            throw new ArgumentException("VIP address missing", paramName);
        }

        if (Port is < 1 or > 65535)
        {
            throw new ArgumentException($"{this}: port must be 1-65535", paramName);
        }

        if (Address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException($"{Address} is not an IPv4 or IPv6 address", paramName);
        }
    }
}
