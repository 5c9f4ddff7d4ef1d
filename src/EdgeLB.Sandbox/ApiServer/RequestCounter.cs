using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// Counts answered resource requests the way kube-apiserver's <c>apiserver_request_total</c> does
/// (verb, group, version, resource, subresource, code), so a benchmark can count a client's writes
/// on the server side instead of trusting the client's own account.
/// </summary>
internal sealed class RequestCounter
{
    private readonly ConcurrentDictionary<RequestKind, long> _counts = new();

    public void Count(string method, bool watch, ResourcePath path, int code)
    {
        var verb = method switch
        {
            "GET" when watch => "WATCH",
            "GET" when path.Name is null => "LIST",
            _ => method,
        };
        var kind = new RequestKind(verb, path.Type.Group, path.Type.Version, path.Type.Plural, path.Subresource ?? "", code);
        _counts.AddOrUpdate(kind, 1, (_, n) => n + 1);
    }

    /// <summary>The counts in the Prometheus text format, one series per kind of request, sorted.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        text.Append("# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, group, version, resource, subresource and HTTP response code.\n");
        text.Append("# TYPE apiserver_request_total counter\n");
        foreach (var (kind, count) in _counts.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"apiserver_request_total{{code=\"{kind.Code}\",group=\"{kind.Group}\",resource=\"{kind.Resource}\",subresource=\"{kind.Subresource}\",verb=\"{kind.Verb}\",version=\"{kind.Version}\"}} {count}\n");
        }

        return text.ToString();
    }

    private readonly record struct RequestKind(string Verb, string Group, string Version, string Resource, string Subresource, int Code);
}
