using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>A CIDR that addresses are handed out from by offset (service cluster IPs).</summary>
internal sealed class AddressRange
{
    private readonly byte[] _base;
    private readonly BigInteger _size;

    public AddressRange(string cidr)
    {
        if (!IPNetwork.TryParse(cidr, out var network))
        {
            throw new ArgumentException($"'{cidr}' is not a CIDR", nameof(cidr));
        }

        Network = network;
        _base = network.BaseAddress.GetAddressBytes();
        _size = BigInteger.One << ((_base.Length * 8) - network.PrefixLength);
    }

    public IPNetwork Network { get; }

    public AddressFamily Family => Network.BaseAddress.AddressFamily;

    public string FamilyName => Family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";

    /// <summary>Usable offsets: skip the network address (and keep a few low ones free, as the real allocator reserves .1 for the kubernetes Service).</summary>
    public static BigInteger FirstOffset => 10;

    public BigInteger LastOffset => _size - 2;

    public IPAddress At(BigInteger offset)
    {
        var value = new BigInteger(_base, isUnsigned: true, isBigEndian: true) + offset;
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var full = new byte[_base.Length];
        bytes.CopyTo(full, full.Length - bytes.Length);
        return new IPAddress(full);
    }

    public bool Contains(IPAddress address) => Network.Contains(address);
}
