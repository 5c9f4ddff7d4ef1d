using System.Net;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>410 Gone / Expired: the resourceVersion or continue token is too old. Relist.</summary>
public sealed class KubernetesGoneException(HttpStatusCode code, Status? status, string message) : KubernetesApiException(code, status, message);
