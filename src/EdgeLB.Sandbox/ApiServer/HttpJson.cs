using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>Writes JSON trees to HTTP responses.</summary>
internal static class HttpJson
{
    // The API is JSON for programs, never embedded in HTML; escape only what JSON requires, as the real server does.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task WriteAsync(HttpResponse response, int statusCode, JsonNode body, string contentType = "application/json") =>
        WriteAsync(response, statusCode, Serialize(body), contentType);

    public static async Task WriteAsync(HttpResponse response, int statusCode, byte[] json, string contentType = "application/json")
    {
        response.StatusCode = statusCode;
        response.ContentType = contentType;
        response.ContentLength = json.Length;
        await response.Body.WriteAsync(json, response.HttpContext.RequestAborted);
    }

    // Kept per thread between objects: a MemoryStream per object grew through four arrays and copied
    // out a fifth, most of what the server allocated for each write.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public static byte[] Serialize(JsonNode body)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        try
        {
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                body.WriteTo(writer);
            }

            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            // A huge object's buffer is not kept for the thread's lifetime.
            if (buffer.Capacity > 1024 * 1024)
            {
                t_buffer = null;
            }
            else
            {
                buffer.ResetWrittenCount();
            }
        }
    }

    /// <summary>A list object, writing the (frozen, shared) items straight from the store without copying them.</summary>
    public static async Task WriteListAsync(HttpResponse response, string kind, string apiVersion, JsonObject metadata, IReadOnlyList<JsonObject> items)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", kind);
            writer.WriteString("apiVersion", apiVersion);
            writer.WritePropertyName("metadata");
            metadata.WriteTo(writer);
            writer.WriteStartArray("items");
            foreach (var item in items)
            {
                item.WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.ContentLength = stream.Length;
        await response.Body.WriteAsync(stream.GetBuffer().AsMemory(0, (int)stream.Length), response.HttpContext.RequestAborted);
    }

    /// <summary>One watch event line: {"type":...,"object":...} and a newline.</summary>
    public static byte[] WatchLine(string type, JsonNode obj)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WritePropertyName("object");
            obj.WriteTo(writer);
            writer.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }
}
