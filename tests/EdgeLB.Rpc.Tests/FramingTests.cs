using System.Buffers;
using EdgeLB.Rpc.Framing;

namespace EdgeLB.Rpc.Tests;

public sealed class FramingTests
{
    [Theory]
    [InlineData("1H", 3600_000)]
    [InlineData("2M", 120_000)]
    [InlineData("3S", 3000)]
    [InlineData("250m", 250)]
    [InlineData("1500u", 1.5)]
    [InlineData("99999999n", 99.9999)]
    public void GrpcTimeout_Parse_ValidUnits(string text, double milliseconds)
    {
        Assert.True(GrpcTimeout.TryParse(text, out var timeout));
        Assert.Equal(milliseconds, timeout.TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("123456789m")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData("10s")]
    public void GrpcTimeout_Parse_RejectsMalformed(string text) => Assert.False(GrpcTimeout.TryParse(text, out _));

    [Theory]
    [InlineData(300, "300000u")]
    [InlineData(200_000, "200000m")]
    [InlineData(1e9, "1000000S")]
    public void GrpcTimeout_Format_FitsEightDigits(double milliseconds, string expected)
    {
        var text = GrpcTimeout.Format(TimeSpan.FromMilliseconds(milliseconds));
        Assert.Equal(expected, text);
        Assert.True(GrpcTimeout.TryParse(text, out var back));
        Assert.True(back >= TimeSpan.FromMilliseconds(milliseconds));
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("é", "%C3%A9")]
    [InlineData("line\nbreak", "line%0Abreak")]
    public void PercentEncoding_RoundTrips(string text, string encoded)
    {
        Assert.Equal(encoded, PercentEncoding.Encode(text));
        Assert.Equal(text, PercentEncoding.Decode(encoded));
    }

    [Fact]
    public void PercentEncoding_MalformedEscape_LeftAsIs() => Assert.Equal("50%zz%4", PercentEncoding.Decode("50%zz%4"));

    [Fact]
    public void MessageFramer_TryRead_ReassemblesAcrossSegments()
    {
        var frame = new byte[] { 0, 0, 0, 0, 3, 7, 8, 9, 0, 0 };
        // Split after 2 bytes, mid-header, then mid-payload.
        var sequence = Segments(frame[..2], frame[2..6], frame[6..]);
        Assert.True(MessageFramer.TryRead(ref sequence, 100, out var payload));
        Assert.Equal([7, 8, 9], payload.ToArray());
        Assert.Equal(2, sequence.Length);
        Assert.False(MessageFramer.TryRead(ref sequence, 100, out _));
    }

    [Fact]
    public void MessageFramer_TryRead_OverLimit_Throws()
    {
        var sequence = new ReadOnlySequence<byte>(new byte[] { 0, 0, 1, 0, 0 });
        var ex = Assert.Throws<RpcException>(() => MessageFramer.TryRead(ref sequence, 1000, out _));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public void MessageFramer_Write_ProducesLengthPrefix()
    {
        var writer = new ArrayBufferWriter<byte>();
        MessageFramer.Write(writer, new Interop.EchoRequest { Message = "ab" }, 100);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 4, 0x0A, 2, (byte)'a', (byte)'b' }, writer.WrittenSpan.ToArray());
    }

    private static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            last = last.Append(part);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, long runningIndex)
        {
            Memory = data;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] data)
        {
            var next = new Segment(data, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
