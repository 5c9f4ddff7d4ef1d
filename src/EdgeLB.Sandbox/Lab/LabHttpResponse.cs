namespace EdgeLB.Sandbox.Lab;

/// <summary>Status code and body of a <see cref="LabHttp"/> GET.</summary>
public sealed record LabHttpResponse(int Status, string Body);
