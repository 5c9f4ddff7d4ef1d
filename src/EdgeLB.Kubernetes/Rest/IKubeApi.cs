using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>
/// The Kubernetes API as EdgeLB uses it. <see cref="KubeApiClient"/> implements it over HTTP; the
/// informer, leader election and event recorder depend only on this, so another client library can
/// stand in later.
/// </summary>
public interface IKubeApi
{
    KubernetesClientConfiguration Configuration { get; }

    TimeProvider TimeProvider { get; }

    Task<T> GetAsync<T>(ResourceDescriptor<T> resource, string? ns, string name, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task<T?> TryGetAsync<T>(ResourceDescriptor<T> resource, string? ns, string name, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task<KubeList<T>> ListAsync<T>(ResourceDescriptor<T> resource, string? ns, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task<KubeList<T>> ListAllAsync<T>(ResourceDescriptor<T> resource, string? ns, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task<T> CreateAsync<T>(ResourceDescriptor<T> resource, T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    /// <summary>Like <see cref="CreateAsync{T}"/>, without reading the created object back.</summary>
    Task CreateWithoutResultAsync<T>(ResourceDescriptor<T> resource, T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task<T> UpdateAsync<T>(ResourceDescriptor<T> resource, T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task<T> UpdateStatusAsync<T>(ResourceDescriptor<T> resource, T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task DeleteAsync<T>(ResourceDescriptor<T> resource, string? ns, string name, DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task<T> PatchAsync<T>(
        ResourceDescriptor<T> resource,
        string? ns,
        string name,
        PatchType type,
        JsonNode patch,
        string? subresource = null,
        string? fieldManager = null,
        bool? force = null,
        CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    /// <summary>Like <see cref="PatchAsync{T}"/>, without reading the patched object back.</summary>
    Task PatchWithoutResultAsync<T>(
        ResourceDescriptor<T> resource,
        string? ns,
        string name,
        PatchType type,
        JsonNode patch,
        string? subresource = null,
        CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task<T> ApplyAsync<T>(ResourceDescriptor<T> resource, JsonObject configuration, string fieldManager, bool force = true, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task<T> PatchStatusWithRetryAsync<T>(
        ResourceDescriptor<T> resource,
        string? ns,
        string name,
        Func<T, JsonNode?> buildPatch,
        int maxAttempts = 5,
        CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task<TokenReview> ReviewTokenAsync(string token, IReadOnlyList<string>? audiences = null, CancellationToken cancellationToken = default);

    Task<SubjectAccessReview> ReviewAccessAsync(UserInfo user, ResourceAttributes request, CancellationToken cancellationToken = default);

    IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceDescriptor<T> resource, string? ns, WatchOptions options, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;
}
