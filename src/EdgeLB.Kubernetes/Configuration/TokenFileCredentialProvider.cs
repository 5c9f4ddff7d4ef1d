using Microsoft.Extensions.Logging;

namespace EdgeLB.Kubernetes.Configuration;

/// <summary>
/// A bearer token read from a file that the kubelet rotates (projected service-account tokens expire
/// within an hour). The file is re-read when the cached copy is older than the refresh interval and
/// whenever the API server answers 401.
/// </summary>
internal sealed class TokenFileCredentialProvider : ICredentialProvider
{
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly TimeSpan _refreshInterval;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private string? _token;
    private DateTimeOffset _readAt;

    public TokenFileCredentialProvider(string path, TimeProvider time, TimeSpan refreshInterval, ILogger logger)
    {
        _path = path;
        _time = time;
        _refreshInterval = refreshInterval;
        _logger = logger;
    }

    public bool CanRefresh => true;

    public ValueTask<Credential> GetAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_token is null || now - _readAt >= _refreshInterval)
            {
                Reload(now);
            }

            return ValueTask.FromResult(new Credential(_token, null));
        }
    }

    public void Invalidate()
    {
        lock (_gate)
        {
            _readAt = DateTimeOffset.MinValue;
        }
    }

    private void Reload(DateTimeOffset now)
    {
        string text;
        try
        {
            text = File.ReadAllText(_path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (_token is null)
            {
                throw new KubeConfigException($"token file {_path}: cannot be read: {ex.Message}", ex);
            }

            // Keep the previous token: a transient read failure during rotation must not break every request.
            KubernetesLog.TokenFileUnreadable(_logger, _path, ex.Message);
            _readAt = now;
            return;
        }

        if (text.Length == 0)
        {
            if (_token is null)
            {
                throw new KubeConfigException($"token file {_path}: is empty");
            }

            _readAt = now;
            return;
        }

        if (_token is not null && !string.Equals(text, _token, StringComparison.Ordinal))
        {
            KubernetesLog.TokenRotated(_logger, _path);
        }

        _token = text;
        _readAt = now;
    }
}
