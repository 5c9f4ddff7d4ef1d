using System.Net;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>409 AlreadyExists: a create found the name taken.</summary>
public sealed class KubernetesAlreadyExistsException(HttpStatusCode code, Status? status, string message) : KubernetesApiException(code, status, message);
