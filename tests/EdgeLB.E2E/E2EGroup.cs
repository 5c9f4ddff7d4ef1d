namespace EdgeLB.E2E;

/// <summary>All end-to-end tests share one lab (or cluster) and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class E2EGroup : ICollectionFixture<E2EFixture>
{
    public const string Name = "e2e";
}
