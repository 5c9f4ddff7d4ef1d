using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Testing;

/// <summary>A logger (and provider of itself for every category) that keeps what was logged, for tests that check what operators would read.</summary>
public sealed class RecordingLogger : ILogger, ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, int EventId, string Message)> Entries { get; } = new();

    /// <summary>The messages logged with <paramref name="eventId"/>.</summary>
    public IReadOnlyList<(LogLevel Level, string Message)> WithEventId(int eventId) =>
        [.. Entries.Where(e => e.EventId == eventId).Select(e => (e.Level, e.Message))];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        Entries.Enqueue((logLevel, eventId.Id, formatter(state, exception)));
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
    }
}
