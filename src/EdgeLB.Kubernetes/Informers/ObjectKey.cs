using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Informers;

/// <summary>client-go's MetaNamespaceKeyFunc: <c>namespace/name</c>, or <c>name</c> when cluster-scoped.</summary>
public static class ObjectKey
{
    public static string Of(IKubernetesObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return Of(obj.Metadata.Namespace, obj.Metadata.Name ?? "");
    }

    public static string Of(string? @namespace, string name) => string.IsNullOrEmpty(@namespace) ? name : $"{@namespace}/{name}";
}
