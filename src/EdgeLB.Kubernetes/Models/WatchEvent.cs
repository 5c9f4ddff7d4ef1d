namespace EdgeLB.Kubernetes.Models;

/// <summary>One watch event. For <see cref="WatchEventType.Error"/>, <see cref="Status"/> is set and <see cref="Resource"/> is not.</summary>
public sealed record WatchEvent<T>(WatchEventType Type, T? Resource, Status? Status)
    where T : class, IKubernetesObject;
