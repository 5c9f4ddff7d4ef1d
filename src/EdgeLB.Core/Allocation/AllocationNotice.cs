namespace EdgeLB.Core.Allocation;

/// <summary>A refusal or warning: a reason from <see cref="AllocationReasons"/> and a message for people.</summary>
public sealed record AllocationNotice(string Reason, string Message)
{
    public override string ToString() => $"{Reason}: {Message}";
}
