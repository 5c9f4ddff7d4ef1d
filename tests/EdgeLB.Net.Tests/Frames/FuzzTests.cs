using System.Net;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Frames;
using EdgeLB.Net.Ip;
using Xunit.Abstractions;

namespace EdgeLB.Net.Tests.Frames;

public class FuzzTests(ITestOutputHelper output)
{
    private const int Iterations = 100_000;

    [Fact]
    public void Parser_SurvivesRandomAndMutatedFrames()
    {
        var seed = Environment.GetEnvironmentVariable("EDGELB_FUZZ_SEED") is { } fixedSeed
            ? int.Parse(fixedSeed, System.Globalization.CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        output.WriteLine($"fuzz seed {seed} (set EDGELB_FUZZ_SEED to replay)");
        var random = new Random(seed);
        var seeds = ValidFrames();
        var buffer = new byte[128];
        var decoded = 0;
        var i = 0;
        try
        {
            for (; i < Iterations; i++)
            {
                int length;
                if (i % 4 == 0)
                {
                    // Pure noise, sometimes with a plausible EtherType so deeper layers get exercised.
                    length = random.Next(0, buffer.Length + 1);
                    random.NextBytes(buffer.AsSpan(0, length));
                    if (length >= 14 && random.Next(2) == 0)
                    {
                        buffer[12] = random.Next(2) == 0 ? (byte)0x08 : (byte)0x86;
                        buffer[13] = buffer[12] == 0x08 ? (byte)0x06 : (byte)0xdd;
                    }
                }
                else
                {
                    var template = seeds[random.Next(seeds.Count)];
                    template.CopyTo(buffer, 0);
                    length = template.Length;
                    var flips = random.Next(1, 6);
                    for (var f = 0; f < flips; f++)
                    {
                        switch (random.Next(4))
                        {
                            case 0:
                                buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                                break;
                            case 1:
                                buffer[random.Next(length)] = (byte)random.Next(256);
                                break;
                            case 2:
                                length = random.Next(0, length + 1);
                                break;
                            default:
                                length = Math.Min(buffer.Length, length + random.Next(0, 16));
                                break;
                        }

                        if (length == 0)
                        {
                            break;
                        }
                    }
                }

                var error = LinkFrame.Parse(buffer.AsSpan(0, length), out var frame);
                Assert.True(Enum.IsDefined(error), $"undefined error {error}");
                if (error == ParseError.None)
                {
                    decoded++;
                    Assert.NotEqual(LinkFrameKind.None, frame.Kind);
                }
                else
                {
                    Assert.Equal(LinkFrameKind.None, frame.Kind);
                }
            }
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"parser threw on iteration {i} with seed {seed}", ex);
        }
        catch (Xunit.Sdk.XunitException)
        {
            output.WriteLine($"failed on iteration {i} with seed {seed}");
            throw;
        }

        output.WriteLine($"{Iterations} frames, {decoded} decoded cleanly");
        Assert.True(decoded > 1000, $"mutations should leave many frames valid (seed {seed})");
    }

    private static List<byte[]> ValidFrames()
    {
        var mac = MacAddress.Parse("02:00:00:00:00:01");
        var v4 = IPv4Address.From(IPAddress.Parse("198.18.1.10"));
        var v6 = IPv6Address.From(IPAddress.Parse("2001:db8:1::10"));
        var ll = IPv6Address.From(IPAddress.Parse("fe80::1"));
        var frames = new List<byte[]>();
        void Add(Func<byte[], int> write)
        {
            var b = new byte[FrameWriter.MaxFrameLength];
            frames.Add(b[..write(b)]);
        }

        Add(b => FrameWriter.WriteGratuitousArpRequest(b, mac, v4));
        Add(b => FrameWriter.WriteGratuitousArpReply(b, mac, v4));
        Add(b => FrameWriter.WriteArpProbe(b, mac, v4));
        Add(b => FrameWriter.WriteUnsolicitedNeighborAdvertisement(b, mac, ll, v6));
        Add(b => FrameWriter.WriteNeighborSolicitation(b, mac, ll, v6));
        Add(b => FrameWriter.WriteNeighborSolicitation(b, mac, IPv6Address.Unspecified, v6));
        Add(b => FrameWriter.WriteSolicitedNeighborAdvertisement(b, mac, v6, mac, ll));
        return frames;
    }
}
