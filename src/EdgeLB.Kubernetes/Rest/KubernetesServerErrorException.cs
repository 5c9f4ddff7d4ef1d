using System.Net;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>5xx, after the retries ran out.</summary>
public sealed class KubernetesServerErrorException(HttpStatusCode code, Status? status, string message) : KubernetesApiException(code, status, message);
