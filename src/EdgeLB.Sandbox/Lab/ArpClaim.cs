namespace EdgeLB.Sandbox.Lab;

/// <summary>One claim of an address on the wire: capture time (Unix seconds), the MAC claiming it, and whether it was gratuitous.</summary>
public sealed record ArpClaim(double Time, string Mac, bool Gratuitous);
