using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Kubernetes.Configuration;

/// <summary>
/// Runs a client.authentication.k8s.io exec plugin and caches what it returns until its
/// expirationTimestamp (or until the API server answers 401).
/// </summary>
internal sealed class ExecCredentialProvider : ICredentialProvider, IDisposable
{
    internal const string ApiVersionV1 = "client.authentication.k8s.io/v1";
    internal const string ApiVersionV1Beta1 = "client.authentication.k8s.io/v1beta1";

    private readonly ExecConfig _config;
    private readonly ClusterInfo? _cluster;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _cacheLock = new();
    private Credential? _cached;
    private DateTimeOffset? _expires;

    public ExecCredentialProvider(ExecConfig config, ClusterInfo? cluster, TimeProvider time, ILogger logger, TimeSpan? timeout = null)
    {
        _config = config;
        _cluster = cluster;
        _time = time;
        _logger = logger;
        _timeout = timeout ?? TimeSpan.FromMinutes(1);
    }

    /// <summary>What the plugin may learn about the cluster (provideClusterInfo).</summary>
    internal sealed record ClusterInfo(string Server, string? CertificateAuthorityData, bool InsecureSkipTlsVerify, string? TlsServerName);

    public bool CanRefresh => true;

    public void Dispose() => _gate.Dispose();

    /// <summary>How many times the plugin has run; for tests and diagnostics.</summary>
    public int Runs { get; private set; }

    public async ValueTask<Credential> GetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            lock (_cacheLock)
            {
                if (_cached is not null && (_expires is null || _time.GetUtcNow() < _expires.Value))
                {
                    return _cached;
                }
            }

            var (credential, expires) = await RunAsync(cancellationToken);
            lock (_cacheLock)
            {
                _cached = credential;
                _expires = expires;
            }

            return credential;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Invalidate()
    {
        lock (_cacheLock)
        {
            _cached = null;
            _expires = null;
        }
    }

    private KubeConfigException Fail(string problem, Exception? inner = null) =>
        KubeConfigException.For(_config.SourceFile, _config.FieldPath, problem, inner);

    private async Task<(Credential Credential, DateTimeOffset? Expires)> RunAsync(CancellationToken cancellationToken)
    {
        if (_config.InteractiveMode == "Always")
        {
            throw Fail("interactiveMode Always needs a terminal, and this process has none");
        }

        var command = _config.Command;
        if (command.Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(command))
        {
            command = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(_config.SourceFile) ?? ".", command));
        }

        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in _config.Args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in _config.Env)
        {
            start.Environment[name] = value;
        }

        start.Environment["KUBERNETES_EXEC_INFO"] = BuildExecInfo();

        Process process;
        try
        {
            process = Process.Start(start) ?? throw Fail($"command {command}: could not be started");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            var hint = string.IsNullOrWhiteSpace(_config.InstallHint) ? "" : $" ({_config.InstallHint.Trim()})";
            throw Fail($"command {command}: cannot run: {ex.Message}{hint}", ex);
        }

        using (process)
        {
            process.StandardInput.Close();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_timeout);
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
                await Task.WhenAll(stdout, stderr);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw Fail($"command {command}: did not finish within {_timeout.TotalSeconds:0} s");
            }

            Runs++;
            if (process.ExitCode != 0)
            {
                var err = (await stderr).Trim();
                throw Fail($"command {command}: exited with code {process.ExitCode}{(err.Length > 0 ? ": " + err : "")}");
            }

            var result = Parse(await stdout);
            KubernetesLog.ExecCredentialObtained(_logger, command, result.Expires?.ToString("O", CultureInfo.InvariantCulture) ?? "never");
            return result;
        }
    }

    private string BuildExecInfo()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("apiVersion", _config.ApiVersion);
            json.WriteString("kind", "ExecCredential");
            json.WriteStartObject("spec");
            json.WriteBoolean("interactive", false);
            if (_config.ProvideClusterInfo && _cluster is not null)
            {
                json.WriteStartObject("cluster");
                json.WriteString("server", _cluster.Server);
                if (_cluster.TlsServerName is not null)
                {
                    json.WriteString("tls-server-name", _cluster.TlsServerName);
                }

                if (_cluster.CertificateAuthorityData is not null)
                {
                    json.WriteString("certificate-authority-data", _cluster.CertificateAuthorityData);
                }

                json.WriteBoolean("insecure-skip-tls-verify", _cluster.InsecureSkipTlsVerify);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private (Credential Credential, DateTimeOffset? Expires) Parse(string stdout)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stdout);
        }
        catch (JsonException ex)
        {
            throw Fail($"plugin output is not JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Fail("plugin output is not a JSON object");
            }

            var apiVersion = GetString(root, "apiVersion");
            if (apiVersion != _config.ApiVersion)
            {
                throw Fail($"plugin returned apiVersion \"{apiVersion}\", but the kubeconfig asks for \"{_config.ApiVersion}\"");
            }

            if (GetString(root, "kind") != "ExecCredential")
            {
                throw Fail("plugin output kind is not ExecCredential");
            }

            if (!root.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object)
            {
                throw Fail("plugin output has no status");
            }

            DateTimeOffset? expires = null;
            var expiry = GetString(status, "expirationTimestamp");
            if (!string.IsNullOrEmpty(expiry))
            {
                if (!DateTimeOffset.TryParse(expiry, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    throw Fail($"plugin status.expirationTimestamp \"{expiry}\" is not an RFC 3339 time");
                }

                expires = parsed;
            }

            var token = GetString(status, "token");
            var certPem = GetString(status, "clientCertificateData");
            var keyPem = GetString(status, "clientKeyData");
            X509Certificate2? certificate = null;
            if (!string.IsNullOrEmpty(certPem) || !string.IsNullOrEmpty(keyPem))
            {
                if (string.IsNullOrEmpty(certPem) || string.IsNullOrEmpty(keyPem))
                {
                    throw Fail("plugin status needs both clientCertificateData and clientKeyData");
                }

                try
                {
                    certificate = PemCertificates.LoadClientCertificate(certPem, keyPem);
                }
                catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException)
                {
                    throw Fail($"plugin status.clientCertificateData/clientKeyData: {ex.Message}", ex);
                }
            }

            if (string.IsNullOrEmpty(token) && certificate is null)
            {
                throw Fail("plugin status has neither a token nor a client certificate");
            }

            return (new Credential(string.IsNullOrEmpty(token) ? null : token, certificate), expires);
        }
    }

    private static string? GetString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
