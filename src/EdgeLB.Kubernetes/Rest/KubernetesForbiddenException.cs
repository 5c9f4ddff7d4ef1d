using System.Net;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>403 Forbidden: RBAC.</summary>
public sealed class KubernetesForbiddenException(HttpStatusCode code, Status? status, string message) : KubernetesApiException(code, status, message);
