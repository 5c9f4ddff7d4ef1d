namespace EdgeLB.Core.Allocation;

/// <summary>A refusal or warning: a reason from <see cref="AllocationReasons"/> and a message for people.</summary>
public sealed record AllocationNotice(string Reason, string Message)
{
    /// <summary>
    /// For a refusal: which changes could let the Service through. Null: only a change to the pools,
    /// the Service's namespace or the Service itself can.
    /// </summary>
    public AllocationWait? WaitsFor { get; init; }

    public override string ToString() => $"{Reason}: {Message}";
}
