using System.Text;
using System.Text.Json.Serialization.Metadata;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>Where a resource lives in the API (group, version, plural, scope) and how to (de)serialize it.</summary>
public sealed record ResourceDescriptor<T>(
    string Group,
    string Version,
    string Plural,
    string Kind,
    bool Namespaced,
    JsonTypeInfo<T> TypeInfo,
    JsonTypeInfo<KubeList<T>> ListTypeInfo)
    where T : class, IKubernetesObject
{
    /// <summary><c>v1</c> for the core group, otherwise <c>group/version</c>.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The request path of the collection or, with <paramref name="name"/>, of one object.</summary>
    public string PathFor(string? @namespace, string? name = null, string? subresource = null)
    {
        var path = new StringBuilder(Group.Length == 0 ? "/api/" : $"/apis/{Group}/");
        path.Append(Version);
        if (Namespaced && !string.IsNullOrEmpty(@namespace))
        {
            path.Append("/namespaces/").Append(Uri.EscapeDataString(@namespace));
        }
        else if (!Namespaced && !string.IsNullOrEmpty(@namespace))
        {
            throw new ArgumentException($"{Plural} is cluster-scoped; no namespace may be given", nameof(@namespace));
        }

        path.Append('/').Append(Plural);
        if (name is not null)
        {
            if (name.Length == 0)
            {
                throw new ArgumentException("name must not be empty", nameof(name));
            }

            path.Append('/').Append(Uri.EscapeDataString(name));
            if (subresource is not null)
            {
                path.Append('/').Append(subresource);
            }
        }

        return path.ToString();
    }

    public override string ToString() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
