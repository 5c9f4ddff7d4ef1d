namespace EdgeLB.Kubernetes.Informers;

/// <summary>
/// Receives an informer's changes, one at a time, in the order the cache applied them. Calls come
/// from one dispatcher task; a slow handler delays later notifications but never the watch.
/// </summary>
public interface IInformerHandler<in T>
{
    void OnAdd(T obj);

    void OnUpdate(T oldObj, T newObj);

    /// <summary>The last state the informer knew; after a relist, the object may have changed before it was deleted.</summary>
    void OnDelete(T obj);
}
