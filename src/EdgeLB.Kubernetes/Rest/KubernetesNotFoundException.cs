using System.Net;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>404 NotFound.</summary>
public sealed class KubernetesNotFoundException(HttpStatusCode code, Status? status, string message) : KubernetesApiException(code, status, message);
