using System.Net;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>429 TooManyRequests, after the retries ran out.</summary>
public sealed class KubernetesTooManyRequestsException(HttpStatusCode code, Status? status, string message) : KubernetesApiException(code, status, message);
