namespace EdgeLB.Sandbox.ApiServer;

/// <summary>A service-account token the server issued, and who it speaks for.</summary>
internal sealed record IssuedToken(string ServiceAccount, string Namespace, string Audience, string? PodName, string? NodeName, string Uid);
