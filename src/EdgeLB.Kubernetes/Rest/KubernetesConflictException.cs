using System.Net;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>409 Conflict: the object changed since it was read (stale resourceVersion). Re-read and retry.</summary>
public sealed class KubernetesConflictException(HttpStatusCode code, Status? status, string message) : KubernetesApiException(code, status, message);
