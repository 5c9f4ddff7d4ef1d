using System.Net;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>422 Invalid: validation failed; <see cref="KubernetesApiException.Status"/> holds the causes.</summary>
public sealed class KubernetesInvalidException(HttpStatusCode code, Status? status, string message) : KubernetesApiException(code, status, message);
