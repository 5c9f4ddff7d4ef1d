namespace EdgeLB.Kubernetes.Configuration;

/// <summary>
/// A kubeconfig or in-cluster configuration that cannot be used. The message names the file and the
/// field, e.g. <c>kubeconfig /x/config: users[0].user.client-key-data: not valid base64</c>.
/// </summary>
public sealed class KubeConfigException : Exception
{
    public KubeConfigException()
    {
    }

    public KubeConfigException(string message)
        : base(message)
    {
    }

    public KubeConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal static KubeConfigException For(string file, string field, string problem, Exception? inner = null)
    {
        var message = field.Length == 0 ? $"kubeconfig {file}: {problem}" : $"kubeconfig {file}: {field}: {problem}";
        return inner is null ? new KubeConfigException(message) : new KubeConfigException(message, inner);
    }
}
