namespace EdgeLB.Sandbox.ApiServer;

/// <summary>A request path resolved to a resource: its type, namespace, and optionally a name and subresource.</summary>
internal sealed record ResourcePath(ResourceType Type, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>
    /// Resolves the part after /api/v1 or /apis/group/version. "namespaces/x/services" is namespaced
    /// services; "namespaces/x" and "namespaces/x/status" are the Namespace object itself.
    /// </summary>
    public static ResourcePath? Resolve(ResourceRegistry registry, string group, string version, string[] rest)
    {
        if (rest.Length >= 3 && rest[0] == "namespaces" && registry.Find(group, version, rest[2]) is { Namespaced: true } namespaced)
        {
            if (rest.Length > 5)
            {
                return null;
            }

            return new(namespaced, rest[1], rest.Length > 3 ? rest[3] : null, rest.Length > 4 ? rest[4] : null);
        }

        if (rest.Length is 0 or > 3 || registry.Find(group, version, rest[0]) is not { } type)
        {
            return null;
        }

        return new(type, null, rest.Length > 1 ? rest[1] : null, rest.Length > 2 ? rest[2] : null);
    }
}
