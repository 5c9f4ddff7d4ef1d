using System.Net;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>401 Unauthorized: the credentials were refused (after one refresh).</summary>
public sealed class KubernetesUnauthorizedException(HttpStatusCode code, Status? status, string message) : KubernetesApiException(code, status, message);
