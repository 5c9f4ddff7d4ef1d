using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Serialization;

namespace EdgeLB.Kubernetes.Informers;

/// <summary>
/// For an informer of Services (<see cref="Informer{T}.ShareUnchanged"/>): a new version takes the
/// parts that did not change (spec, labels, annotations) from the cached one. An update mostly
/// touches status or an annotation, so the versions share the rest: a replaced version leaves
/// little garbage behind, and handlers that compare specs find the same instance and need not look
/// inside. Status is not shared: it is small, and it is what most updates change, so comparing it
/// would mostly be work for nothing.
/// </summary>
public static class ServiceSharing
{
    public static Service ShareUnchanged(Service cached, Service received)
    {
        ArgumentNullException.ThrowIfNull(cached);
        ArgumentNullException.ThrowIfNull(received);
        var spec = JsonEquality.Same(cached.Spec, received.Spec, KubernetesJsonContext.Default.ServiceSpec) ? cached.Spec : received.Spec;
        var labels = SameMap(cached.Metadata.Labels, received.Metadata.Labels) ? cached.Metadata.Labels : received.Metadata.Labels;
        var annotations = SameMap(cached.Metadata.Annotations, received.Metadata.Annotations) ? cached.Metadata.Annotations : received.Metadata.Annotations;
        var metadata = ReferenceEquals(labels, received.Metadata.Labels) && ReferenceEquals(annotations, received.Metadata.Annotations)
            ? received.Metadata
            : received.Metadata with { Labels = labels, Annotations = annotations };
        return ReferenceEquals(spec, received.Spec) && ReferenceEquals(metadata, received.Metadata)
            ? received
            : received with { Metadata = metadata, Spec = spec };
    }

    private static bool SameMap(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null || a.Count != b.Count)
        {
            return false;
        }

        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
