namespace EdgeLB.Benchmarks.Chaos;

/// <summary>The faults the chaos soak injects, one at a time, each undone before the next.</summary>
internal enum FaultKind
{
    SpeakerSigkill,
    SpeakerSigstop,
    LinkFlap,
    LeaderKill,
    ApiLatency,
    Api5xx,
    ApiOutage,
    BridgeNetem,
    Partition,
}
