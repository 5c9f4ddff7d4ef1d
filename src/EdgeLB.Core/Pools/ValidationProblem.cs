namespace EdgeLB.Core.Pools;

/// <summary>One thing wrong with a configuration object, with the path of the field at fault.</summary>
public sealed record ValidationProblem(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
