using System.Net;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>An API call the server refused; typed by HTTP status and the Status body's reason.</summary>
public class KubernetesApiException : Exception
{
    public KubernetesApiException()
    {
    }

    public KubernetesApiException(string message)
        : base(message)
    {
    }

    public KubernetesApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public KubernetesApiException(HttpStatusCode statusCode, Status? status, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Status = status;
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The server's Status body, when it sent one.</summary>
    public Status? Status { get; }

    /// <summary>The Status reason (NotFound, AlreadyExists, Conflict, Expired, …), when known.</summary>
    public string? Reason => Status?.Reason;

    /// <summary>Builds the most specific exception for a failed response.</summary>
    public static KubernetesApiException Create(HttpStatusCode code, Status? status, string operation)
    {
        var detail = status?.Message is { Length: > 0 } m ? m : $"HTTP {(int)code} {code}";
        var message = $"{operation}: {detail}";
        return (int)code switch
        {
            400 => new KubernetesBadRequestException(code, status, message),
            401 => new KubernetesUnauthorizedException(code, status, message),
            403 => new KubernetesForbiddenException(code, status, message),
            404 => new KubernetesNotFoundException(code, status, message),
            409 when status?.Reason == "AlreadyExists" => new KubernetesAlreadyExistsException(code, status, message),
            409 => new KubernetesConflictException(code, status, message),
            410 => new KubernetesGoneException(code, status, message),
            422 => new KubernetesInvalidException(code, status, message),
            429 => new KubernetesTooManyRequestsException(code, status, message),
            >= 500 => new KubernetesServerErrorException(code, status, message),
            _ => new KubernetesApiException(code, status, message),
        };
    }
}
