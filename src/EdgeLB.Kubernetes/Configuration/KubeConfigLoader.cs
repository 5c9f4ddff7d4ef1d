using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EdgeLB.Kubernetes.Configuration;

/// <summary>
/// Reads kubeconfig files the way kubectl does: an explicit file, or every file in $KUBECONFIG (the
/// first file to set a value wins), or ~/.kube/config; then the current or named context.
/// </summary>
public static class KubeConfigLoader
{
    public static KubernetesClientConfiguration Load(KubeConfigOptions? options = null)
    {
        options ??= new KubeConfigOptions();
        var files = ResolveFiles(options);
        var docs = files.Select(LoadFile).ToList();

        // Merge: the first file to name a context/cluster/user or to set current-context wins.
        string? currentContext = null;
        YamlField? currentContextField = null;
        var contexts = new Dictionary<string, YamlField>(StringComparer.Ordinal);
        var clusters = new Dictionary<string, YamlField>(StringComparer.Ordinal);
        var users = new Dictionary<string, YamlField>(StringComparer.Ordinal);
        foreach (var doc in docs)
        {
            var cc = doc.Child("current-context");
            if (currentContext is null && !string.IsNullOrEmpty(cc.String()))
            {
                currentContext = cc.String();
                currentContextField = cc;
            }

            Collect(doc.Child("contexts"), "context", contexts);
            Collect(doc.Child("clusters"), "cluster", clusters);
            Collect(doc.Child("users"), "user", users);
        }

        var first = files[0];
        var contextName = options.Context ?? currentContext;
        if (string.IsNullOrEmpty(contextName))
        {
            throw KubeConfigException.For(first, "current-context", "not set, and no context was named");
        }

        if (!contexts.TryGetValue(contextName, out var context))
        {
            var where = options.Context is null && currentContextField is { } f ? f : new YamlField(first, "contexts", null);
            throw where.Error($"no context named \"{contextName}\"");
        }

        var clusterName = context.Child("cluster").RequiredString();
        if (!clusters.TryGetValue(clusterName, out var cluster))
        {
            throw context.Child("cluster").Error($"no cluster named \"{clusterName}\"");
        }

        var userName = context.Child("user").String();
        YamlField? user = null;
        if (!string.IsNullOrEmpty(userName))
        {
            if (!users.TryGetValue(userName, out var u))
            {
                throw context.Child("user").Error($"no user named \"{userName}\"");
            }

            user = u;
        }

        var ns = context.Child("namespace").String();
        var time = options.Time ?? TimeProvider.System;
        var logger = KubernetesClientConfiguration.OrNull(options.Logger);

        var serverField = cluster.Child("server");
        var serverText = serverField.RequiredString();
        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) || (server.Scheme != "https" && server.Scheme != "http"))
        {
            throw serverField.Error($"\"{serverText}\" is not an http(s) URL");
        }

        var insecure = cluster.Child("insecure-skip-tls-verify").Bool() ?? false;
        var tlsServerName = cluster.Child("tls-server-name").String();
        var (caPem, caField) = ReadPem(cluster, "certificate-authority");
        X509Certificate2Collection? ca = null;
        if (caPem is not null)
        {
            if (insecure)
            {
                throw cluster.Child("insecure-skip-tls-verify").Error("cannot be true while a certificate authority is set");
            }

            try
            {
                ca = PemCertificates.LoadBundle(caPem);
            }
            catch (CryptographicException ex)
            {
                throw caField.Error($"not a PEM certificate: {ex.Message}", ex);
            }
        }

        var credentials = user is { } uf
            ? ReadUser(uf, new ExecCredentialProvider.ClusterInfo(serverText, caPem is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(caPem)), insecure, tlsServerName), options, time, logger)
            : new StaticCredentialProvider(Credential.None);

        return new KubernetesClientConfiguration
        {
            Server = server,
            Namespace = string.IsNullOrEmpty(ns) ? "default" : ns,
            CertificateAuthority = ca,
            InsecureSkipTlsVerify = insecure,
            TlsServerName = tlsServerName,
            Source = $"kubeconfig {string.Join(':', files)} (context {contextName})",
            Credentials = credentials,
        };
    }

    private static List<string> ResolveFiles(KubeConfigOptions options)
    {
        if (!string.IsNullOrEmpty(options.Path))
        {
            var full = Path.GetFullPath(options.Path);
            return File.Exists(full) ? [full] : throw KubeConfigException.For(full, "", "file not found");
        }

        var env = options.Environment("KUBECONFIG");
        if (!string.IsNullOrEmpty(env))
        {
            // kubectl skips entries that do not exist, but needs at least one.
            var listed = env.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Path.GetFullPath).ToList();
            var existing = listed.Where(File.Exists).Distinct(StringComparer.Ordinal).ToList();
            return existing.Count > 0 ? existing : throw KubeConfigException.For(env, "", "no file in $KUBECONFIG exists");
        }

        var home = options.Environment("HOME");
        if (string.IsNullOrEmpty(home))
        {
            throw new KubeConfigException("kubeconfig: no --kubeconfig, no $KUBECONFIG and no $HOME to find ~/.kube/config");
        }

        var path = Path.Combine(home, ".kube", "config");
        return File.Exists(path) ? [path] : throw KubeConfigException.For(path, "", "file not found");
    }

    private static YamlField LoadFile(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw KubeConfigException.For(file, "", $"cannot be read: {ex.Message}", ex);
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw KubeConfigException.For(file, "", $"line {ex.Start.Line}, column {ex.Start.Column}: not valid YAML: {ex.InnerException?.Message ?? ex.Message}", ex);
        }

        if (stream.Documents.Count == 0)
        {
            throw KubeConfigException.For(file, "", "is empty");
        }

        var root = new YamlField(file, "", stream.Documents[0].RootNode);
        if (root.Node is not YamlMappingNode)
        {
            throw root.Error("expected a mapping at the top level");
        }

        return root;
    }

    private static void Collect(YamlField list, string inner, Dictionary<string, YamlField> into)
    {
        foreach (var item in list.Items())
        {
            var name = item.Child("name").RequiredString();
            var body = item.Child(inner);
            if (body.IsMissing)
            {
                throw body.Error("missing");
            }

            into.TryAdd(name, body);
        }
    }

    /// <summary>Reads <c>key-data</c> (base64 PEM) or <c>key</c> (a path relative to the file).</summary>
    private static (string? Pem, YamlField Field) ReadPem(YamlField parent, string key)
    {
        var dataField = parent.Child(key + "-data");
        var data = dataField.Base64();
        if (data is not null)
        {
            return (Encoding.UTF8.GetString(data), dataField);
        }

        var pathField = parent.Child(key);
        var path = pathField.String();
        if (string.IsNullOrEmpty(path))
        {
            return (null, pathField);
        }

        var full = Resolve(parent.File, path);
        try
        {
            return (File.ReadAllText(full), pathField);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw pathField.Error($"cannot read {full}: {ex.Message}", ex);
        }
    }

    private static string Resolve(string file, string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file) ?? ".", path));

    private static ICredentialProvider ReadUser(YamlField user, ExecCredentialProvider.ClusterInfo cluster, KubeConfigOptions options, TimeProvider time, Microsoft.Extensions.Logging.ILogger logger)
    {
        if (!user.Child("auth-provider").IsMissing)
        {
            throw user.Child("auth-provider").Error("auth-provider plugins are not supported; use an exec plugin");
        }

        var (certPem, certField) = ReadPem(user, "client-certificate");
        var (keyPem, keyField) = ReadPem(user, "client-key");
        X509Certificate2? certificate = null;
        if (certPem is not null || keyPem is not null)
        {
            if (certPem is null)
            {
                throw certField.Error("missing; client-key needs a client certificate");
            }

            if (keyPem is null)
            {
                throw keyField.Error("missing; client-certificate needs a key");
            }

            if (!certPem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                throw certField.Error("not a PEM certificate");
            }

            if (!keyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            {
                throw keyField.Error("not a PEM private key");
            }

            try
            {
                certificate = PemCertificates.LoadClientCertificate(certPem, keyPem);
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException)
            {
                throw keyField.Error($"does not match the client certificate or cannot be loaded: {ex.Message}", ex);
            }
        }

        var token = user.Child("token").String();
        var tokenFile = user.Child("tokenFile").String();
        var username = user.Child("username").String();
        var password = user.Child("password").String();
        var exec = user.Child("exec");

        // token and tokenFile together are one method, as in kubectl: the file is read and the token ignored.
        var kinds = (string.IsNullOrEmpty(token) && string.IsNullOrEmpty(tokenFile) ? 0 : 1) + (exec.IsMissing ? 0 : 1) + (string.IsNullOrEmpty(username) ? 0 : 1);
        if (kinds > 1)
        {
            throw user.Error("more than one of token, tokenFile, username/password and exec is set");
        }

        if (!exec.IsMissing)
        {
            return new ExecCredentialProvider(ReadExec(exec), cluster, time, logger);
        }

        if (!string.IsNullOrEmpty(tokenFile))
        {
            var full = Resolve(user.File, tokenFile);
            if (!File.Exists(full))
            {
                throw user.Child("tokenFile").Error($"file {full} not found");
            }

            return certificate is null
                ? new TokenFileCredentialProvider(full, time, options.TokenRefreshInterval, logger)
                : new CombinedCredentialProvider(new TokenFileCredentialProvider(full, time, options.TokenRefreshInterval, logger), certificate);
        }

        string? basic = null;
        if (!string.IsNullOrEmpty(username))
        {
            basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));
        }

        return new StaticCredentialProvider(new Credential(string.IsNullOrEmpty(token) ? null : token, certificate, basic));
    }

    private static ExecConfig ReadExec(YamlField exec)
    {
        var apiVersionField = exec.Child("apiVersion");
        var apiVersion = apiVersionField.RequiredString();
        if (apiVersion is not (ExecCredentialProvider.ApiVersionV1 or ExecCredentialProvider.ApiVersionV1Beta1))
        {
            throw apiVersionField.Error($"\"{apiVersion}\" is not supported; use {ExecCredentialProvider.ApiVersionV1}");
        }

        var env = new List<KeyValuePair<string, string>>();
        foreach (var item in exec.Child("env").Items())
        {
            env.Add(new(item.Child("name").RequiredString(), item.Child("value").String() ?? ""));
        }

        var mode = exec.Child("interactiveMode").String();
        if (mode is not (null or "" or "Never" or "IfAvailable" or "Always"))
        {
            throw exec.Child("interactiveMode").Error($"\"{mode}\" is not Never, IfAvailable or Always");
        }

        return new ExecConfig
        {
            ApiVersion = apiVersion,
            Command = exec.Child("command").RequiredString(),
            Args = exec.Child("args").Strings(),
            Env = env,
            InstallHint = exec.Child("installHint").String(),
            ProvideClusterInfo = exec.Child("provideClusterInfo").Bool() ?? false,
            InteractiveMode = string.IsNullOrEmpty(mode) ? "IfAvailable" : mode,
            SourceFile = exec.File,
            FieldPath = exec.Path,
        };
    }
}
