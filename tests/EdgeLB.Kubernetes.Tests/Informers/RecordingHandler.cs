using System.Collections.Concurrent;
using EdgeLB.Kubernetes.Informers;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Tests.Informers;

/// <summary>
/// Records notifications and replays them into a model, failing on any that could not follow the
/// previous ones (an add for a known key, an update whose old state is not the last one delivered,
/// a delete of an unknown key).
/// </summary>
public sealed class RecordingHandler<T> : IInformerHandler<T>
    where T : class, IKubernetesObject
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _model = new(StringComparer.Ordinal);

    public ConcurrentQueue<(string Kind, string Key, string Rv)> Log { get; } = new();

    public IList<string> Violations { get; } = [];

    /// <summary>Set when the server's state is made to go back: an update may then carry a lower resourceVersion.</summary>
    public bool ResourceVersionsMayGoBack { get; set; }

    public IReadOnlyDictionary<string, string> Model
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, string>(_model, StringComparer.Ordinal);
            }
        }
    }

    public void OnAdd(T obj)
    {
        var key = ObjectKey.Of(obj);
        lock (_gate)
        {
            if (_model.ContainsKey(key))
            {
                Violations.Add($"add of known {key}");
            }

            _model[key] = obj.Metadata.ResourceVersion!;
        }

        Log.Enqueue(("add", key, obj.Metadata.ResourceVersion!));
    }

    public void OnUpdate(T oldObj, T newObj)
    {
        var key = ObjectKey.Of(newObj);
        lock (_gate)
        {
            if (!_model.TryGetValue(key, out var last) || last != oldObj.Metadata.ResourceVersion)
            {
                Violations.Add($"update of {key} from {oldObj.Metadata.ResourceVersion}, last delivered {last ?? "none"}");
            }

            if (!ResourceVersionsMayGoBack && long.Parse(newObj.Metadata.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture) <= long.Parse(oldObj.Metadata.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture))
            {
                Violations.Add($"update of {key} went backwards {oldObj.Metadata.ResourceVersion} -> {newObj.Metadata.ResourceVersion}");
            }

            _model[key] = newObj.Metadata.ResourceVersion!;
        }

        Log.Enqueue(("update", key, newObj.Metadata.ResourceVersion!));
    }

    public void OnDelete(T obj)
    {
        var key = ObjectKey.Of(obj);
        lock (_gate)
        {
            if (!_model.Remove(key))
            {
                Violations.Add($"delete of unknown {key}");
            }
        }

        Log.Enqueue(("delete", key, obj.Metadata.ResourceVersion ?? ""));
    }
}
