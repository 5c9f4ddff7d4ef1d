using System.Net;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Frames;
using EdgeLB.Net.Ip;

namespace EdgeLB.Net.Tests.Frames;

public class AllocationTests
{
    [Fact]
    public void ParsingAndWritingFrames_AllocatesNothing()
    {
        var mac = MacAddress.Parse("02:00:00:00:00:01");
        var v4 = IPv4Address.From(IPAddress.Parse("198.18.1.10"));
        var v6 = IPv6Address.From(IPAddress.Parse("2001:db8:1::10"));
        var ll = IPv6Address.From(IPAddress.Parse("fe80::1"));
        var arp = new byte[FrameWriter.MaxFrameLength];
        var na = new byte[FrameWriter.MaxFrameLength];
        var ns = new byte[FrameWriter.MaxFrameLength];
        var reply = new byte[FrameWriter.MaxFrameLength];
        var arpLength = FrameWriter.WriteGratuitousArpRequest(arp, mac, v4);
        var naLength = FrameWriter.WriteUnsolicitedNeighborAdvertisement(na, mac, ll, v6);
        var nsLength = FrameWriter.WriteNeighborSolicitation(ns, mac, ll, v6);

        Run(); // warm up (JIT, statics)
        var before = GC.GetAllocatedBytesForCurrentThread();
        var decoded = Run();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(30_000, decoded);
        Assert.Equal(0, allocated);

        int Run()
        {
            var ok = 0;
            for (var i = 0; i < 10_000; i++)
            {
                if (LinkFrame.Parse(arp.AsSpan(0, arpLength), out var a) == ParseError.None)
                {
                    FrameWriter.WriteArpReply(reply, mac, a.Arp.TargetProtocol, a.Arp);
                    ok++;
                }

                if (LinkFrame.Parse(na.AsSpan(0, naLength), out _) == ParseError.None)
                {
                    ok++;
                }

                if (LinkFrame.Parse(ns.AsSpan(0, nsLength), out var s) == ParseError.None)
                {
                    FrameWriter.WriteSolicitedNeighborAdvertisement(reply, mac, s.NeighborDiscovery.Target, mac, s.IPv6Source);
                    ok++;
                }
            }

            return ok;
        }
    }
}
