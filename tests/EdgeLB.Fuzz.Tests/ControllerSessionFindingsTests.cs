using EdgeLB.Fuzz.Sessions;

namespace EdgeLB.Fuzz.Tests;

/// <summary>
/// Case seeds (EdgeLB.Fuzz controller_session --replay SEED prints the input) that once broke the
/// epoch invariant. In each, one step moved a VIP twice (to one node at epoch n, then to another at
/// n + 1, both taken as cut off); the coordinator's epochs went up, but the target read the second
/// node's outbox first. They must pass now that the target checks a step's Assignments in epoch order.
/// </summary>
public sealed class ControllerSessionFindingsTests
{
    [Theory]
    [InlineData("egI_LpzYDty1")]
    [InlineData("4Y6ZT3McOzS1")]
    [InlineData("4bdpyokXY2B1")]
    [InlineData("4Kn1JwcSxfy1")]
    [InlineData("b9tKeJxj8j51")]
    [InlineData("dl8nRm11lz41")]
    public void ControllerSession_AVipMovedTwiceInOneStep_KeepsItsEpochsGoingUp(string seed) => ReplaysWithAssignmentsAndNoProblem(seed);

    /// <summary>
    /// A speaker reported an epoch this leader never handed it (one of a later term, 2^64 - 2, or one
    /// handed to another node), was kept as the holder at that epoch and sent an Assignment
    /// with it: above the next epochs handed out, or one epoch for two nodes. Such a report is now revoked.
    /// </summary>
    [Theory]
    [InlineData("6i-oSdTHX2n1")]
    [InlineData("dJjqBD18NpL1")]
    [InlineData("69vJUOEJGy-1")]
    public void ControllerSession_AnEpochNeverHandedToTheReportingNode_IsNotAdopted(string seed) => ReplaysWithAssignmentsAndNoProblem(seed);

    private static void ReplaysWithAssignmentsAndNoProblem(string seed)
    {
        var target = new ControllerSessionTarget();
        Assert.Null(FuzzRunner.Replay(target, seed).Problem);
        Assert.Contains("assignment sent", target.Summary(), StringComparison.Ordinal);
    }
}
