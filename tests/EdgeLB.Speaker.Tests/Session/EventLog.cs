using System.Collections.Concurrent;

namespace EdgeLB.Speaker.Tests.Session;

/// <summary>One ordered record of what the fakes saw, so tests can assert the order of effects.</summary>
internal sealed class EventLog
{
    private readonly ConcurrentQueue<string> _events = new();

    public void Add(string what) => _events.Enqueue(what);

    public IReadOnlyList<string> Events => [.. _events];

    public int IndexOf(string what) => Events.ToList().FindIndex(e => e == what);
}
