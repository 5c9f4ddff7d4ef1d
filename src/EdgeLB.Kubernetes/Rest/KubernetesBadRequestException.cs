using System.Net;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>400 BadRequest.</summary>
public sealed class KubernetesBadRequestException(HttpStatusCode code, Status? status, string message) : KubernetesApiException(code, status, message);
