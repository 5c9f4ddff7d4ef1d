namespace EdgeLB.Kubernetes.Rest;

/// <summary>How a PATCH body is to be read.</summary>
public enum PatchType
{
    /// <summary>application/merge-patch+json (RFC 7386): lists are replaced whole.</summary>
    Merge,

    /// <summary>application/json-patch+json (RFC 6902).</summary>
    Json,

    /// <summary>application/strategic-merge-patch+json (built-in types only).</summary>
    StrategicMerge,

    /// <summary>application/apply-patch+yaml: server-side apply (JSON is valid YAML).</summary>
    Apply,
}
