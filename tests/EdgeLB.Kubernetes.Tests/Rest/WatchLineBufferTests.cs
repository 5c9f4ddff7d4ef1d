using System.Text;
using EdgeLB.Kubernetes.Rest;

namespace EdgeLB.Kubernetes.Tests.Rest;

public sealed class WatchLineBufferTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task Lines_AreCutAtNewlines_WhateverTheReadSizes(int chunk)
    {
        var longLine = new string('x', 150_000);
        var text = "{\"a\":1}\n\n{\"b\":2}\r\n" + longLine + "\n{\"é\":\"ü\"}\n{\"last\":true}";

        var lines = await ReadAllAsync(new ChunkedStream(Encoding.UTF8.GetBytes(text), chunk));

        Assert.Equal(["{\"a\":1}", "{\"b\":2}", longLine, "{\"é\":\"ü\"}", "{\"last\":true}"], lines);
    }

    [Fact]
    public async Task AStreamEndingInANewline_HasNoTrailingLine()
    {
        var lines = await ReadAllAsync(new ChunkedStream(Encoding.UTF8.GetBytes("{}\r\n\r\n"), 3));

        Assert.Equal(["{}"], lines);
    }

    private static async Task<List<string>> ReadAllAsync(Stream stream)
    {
        using var buffer = new WatchLineBuffer();
        var lines = new List<string>();
        while (true)
        {
            while (buffer.TryTake(out var start, out var length))
            {
                lines.Add(Encoding.UTF8.GetString(buffer.Bytes, start, length));
            }

            if (!await buffer.FillAsync(stream, CancellationToken.None))
            {
                return lines;
            }
        }
    }

    /// <summary>Hands out at most <c>chunk</c> bytes per read, as a network stream may.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }
}
