using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.Tests.ApiServer;

/// <summary>Reads watch event lines from a streaming response, with a timeout per event.</summary>
internal sealed class WatchStream : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private Task<string?>? _pending;

    public WatchStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body);
    }

    /// <summary>The next event, or null when the server ended the stream. Throws TimeoutException when nothing arrives in time.</summary>
    public async Task<JsonObject?> NextAsync(TimeSpan? timeout = null)
    {
        _pending ??= _reader.ReadLineAsync();
        var done = await Task.WhenAny(_pending, Task.Delay(timeout ?? TimeSpan.FromSeconds(5)));
        if (done != _pending)
        {
            throw new TimeoutException("no watch event arrived in time");
        }

        string? line;
        try
        {
            line = await _pending;
        }
        catch (IOException)
        {
            line = null;
        }
        catch (HttpRequestException)
        {
            line = null;
        }

        _pending = null;
        return line is null ? null : JsonNode.Parse(line) as JsonObject;
    }

    /// <summary>The next event that is not a bookmark.</summary>
    public async Task<JsonObject?> NextChangeAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var e = await NextAsync(timeout);
            if (e is null || e["type"]!.GetValue<string>() != "BOOKMARK")
            {
                return e;
            }
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}
