using EdgeLB.Controller.Allocation;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Controller.Tests.Allocation;

public class PoolTranslatorTests
{
    [Theory]
    [InlineData("True", 3L, 3L, true)]
    [InlineData("True", 2L, 3L, false)]
    [InlineData("False", 3L, 3L, false)]
    [InlineData("True", null, 3L, false)]
    [InlineData(null, null, 3L, false)]
    public void ToSpec_CarriesCreationTime_AndAcceptedBeforeOnlyForTheGenerationTheStatusNames(string? valid, long? observed, long generation, bool accepted)
    {
        var created = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var pool = new IPAddressPool
        {
            Metadata = new ObjectMeta { Name = "lan", Namespace = "edgelb-system", Generation = generation, CreationTimestamp = created },
            Spec = new IPAddressPoolSpec { Addresses = ["198.18.0.0/24"] },
            Status = valid is null ? null : new IPAddressPoolStatus { Conditions = [new Condition { Type = "Valid", Status = valid, ObservedGeneration = observed }] },
        };

        var spec = PoolTranslator.ToSpec(pool);

        Assert.Equal(accepted, spec.AcceptedBefore);
        Assert.Equal(created, spec.CreatedAt);
    }
}
