using EdgeLB.Core.Addresses;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Coordination;

/// <summary>One network interface a speaker reported, with the subnets it is on.</summary>
internal sealed record InterfaceFacts(string Name, bool LinkUp, IReadOnlyList<(IPValue Address, int PrefixLength)> Prefixes)
{
    /// <summary>True when the VIP falls in one of the interface's subnets, so ARP/NDP for it reaches this link.</summary>
    public bool Serves(IPValue vip)
    {
        foreach (var (address, length) in Prefixes)
        {
            if (address.Family != vip.Family)
            {
                continue;
            }

            var hostBits = address.Bits - Math.Clamp(length, 0, address.Bits);
            var mask = hostBits >= 128 ? UInt128.Zero : UInt128.MaxValue << hostBits;
            if ((address.Value & mask) == (vip.Value & mask))
            {
                return true;
            }
        }

        return false;
    }

    public static InterfaceFacts From(NetworkInterface nic)
    {
        ArgumentNullException.ThrowIfNull(nic);
        var prefixes = new List<(IPValue, int)>();
        foreach (var p in nic.Addresses)
        {
            if (IPValue.TryParse(p.Address, out var ip))
            {
                prefixes.Add((ip, (int)Math.Min(p.PrefixLength, (uint)ip.Bits)));
            }
        }

        return new InterfaceFacts(nic.Name, nic.LinkUp, prefixes);
    }
}
