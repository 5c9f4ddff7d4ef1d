namespace EdgeLB.Speaker.Session;

/// <summary>The end of one dial.</summary>
internal sealed record SessionOutcome(SessionOutcomeKind Kind, string Reason, ControllerEndpoint? Leader = null);
