namespace EdgeLB.Kubernetes.Models;

/// <summary>Any object with the standard Kubernetes envelope.</summary>
public interface IKubernetesObject
{
    string? ApiVersion { get; }

    string? Kind { get; }

    ObjectMeta Metadata { get; }
}
