namespace EdgeLB.Sandbox.ApiServer;

/// <summary>One kind of object the server stores, as discovery describes it.</summary>
internal sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    IReadOnlyList<string> ShortNames,
    bool HasStatus)
{
    /// <summary>Verbs a stored resource supports; create-only resources (reviews) override them.</summary>
    public IReadOnlyList<string> Verbs { get; init; } =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>Whether the server drops a status sent on create (true where status is a subresource written by controllers).</summary>
    public bool ResetStatusOnCreate { get; init; }

    /// <summary>Whether metadata.generation tracks spec changes.</summary>
    public bool TracksGeneration { get; init; }

    /// <summary>Field selector labels beyond metadata.name and metadata.namespace.</summary>
    public IReadOnlyList<string> ExtraFieldLabels { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    public bool CreateOnly => Verbs.Count == 1 && Verbs[0] == "create";

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    /// <summary>The resource name as errors print it: "services" or "ipaddresspools.edgelb.io".</summary>
    public string QualifiedName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && ns is not null ? $"{root}/namespaces/{ns}/{Plural}" : $"{root}/{Plural}";
    }

    public override string ToString() => QualifiedName;
}
