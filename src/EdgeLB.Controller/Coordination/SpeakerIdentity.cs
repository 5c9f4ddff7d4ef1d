namespace EdgeLB.Controller.Coordination;

/// <summary>Who a speaker's token says it is: its user name, the node its pod runs on and the pod ("namespace/name", when known).</summary>
internal sealed record SpeakerIdentity(string Username, string Node, string? Pod);
