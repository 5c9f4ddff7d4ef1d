using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Rpc.Tests.Infrastructure;

/// <summary>Keeps warnings and errors logged by the server (ours and Kestrel's) so tests can assert none escaped.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Problems { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Problems.Enqueue($"{logLevel} {category}[{eventId.Id}]: {formatter(state, exception)} {exception}");
            }
        }
    }
}
