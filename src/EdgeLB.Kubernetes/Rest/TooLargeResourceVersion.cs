using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>
/// Recognises the API server's answer to a resourceVersion it has not reached: 504 Timeout with the
/// cause ResourceVersionTooLarge and the message "Too large resource version: X, current: Y" (older
/// servers send only the message). Seen after the server's state went back (etcd restored from a
/// backup, or a fresh server on the same address), it means the client's view is from a future the
/// server does not have: waiting or retrying does not help, only a fresh list does.
/// </summary>
public static class TooLargeResourceVersion
{
    public const string CauseType = "ResourceVersionTooLarge";

    private const string MessageText = "Too large resource version";

    public static bool Is(Status? status)
    {
        if (status is null)
        {
            return false;
        }

        if (status.Details?.Causes is { } causes && causes.Any(c => c.Reason == CauseType))
        {
            return true;
        }

        return (status.Code == 504 || status.Reason == "Timeout")
            && status.Message?.Contains(MessageText, StringComparison.Ordinal) == true;
    }

    public static bool Is(Exception exception) => exception is KubernetesApiException { Status: var status } && Is(status);
}
