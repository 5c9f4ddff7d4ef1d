using System.Buffers.Binary;
using System.Net;

namespace EdgeLB.Rpc.Tests.Infrastructure;

/// <summary>Sends hand-made HTTP/2 requests (any bytes, any headers) to check how the server answers bad input.</summary>
internal static class RawGrpc
{
    public static byte[] Frame(byte[] payload, byte flag = 0, uint? declaredLength = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), declaredLength ?? (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static async Task<RawResponse> SendAsync(
        Uri address,
        string path,
        byte[] body,
        string? contentType = "application/grpc",
        bool te = true,
        Version? version = null,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        using var handler = new SocketsHttpHandler();
        using var invoker = new HttpMessageInvoker(handler);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Version = version ?? HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        if (te)
        {
            request.Headers.TryAddWithoutValidation("te", "trailers");
        }

        foreach (var (key, value) in headers ?? new Dictionary<string, string>(StringComparer.Ordinal))
        {
            request.Headers.TryAddWithoutValidation(key, value);
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await invoker.SendAsync(request, cts.Token);
        var content = await response.Content.ReadAsByteArrayAsync(cts.Token);
        return new RawResponse(
            (int)response.StatusCode,
            Header(response.Headers, "grpc-status"),
            Header(response.TrailingHeaders, "grpc-status"),
            Header(response.Headers, "grpc-message") ?? Header(response.TrailingHeaders, "grpc-message"),
            Header(response.Headers, "grpc-accept-encoding"),
            content.Length);
    }

    private static string? Header(System.Net.Http.Headers.HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.First() : null;
}

/// <param name="HttpStatus">The HTTP :status.</param>
/// <param name="HeaderStatus">grpc-status in the response headers (Trailers-Only), or null.</param>
/// <param name="TrailerStatus">grpc-status in the trailers, or null.</param>
/// <param name="Message">grpc-message from either place.</param>
/// <param name="AcceptEncoding">grpc-accept-encoding from the headers.</param>
/// <param name="BodyLength">Bytes of response body.</param>
internal sealed record RawResponse(int HttpStatus, string? HeaderStatus, string? TrailerStatus, string? Message, string? AcceptEncoding, int BodyLength)
{
    public string? Status => TrailerStatus ?? HeaderStatus;
}
