using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Controller.Allocation;

/// <summary>
/// Keeps each IPAddressPool's status current: addresses assigned and available per family, and a
/// <c>Valid</c> condition that says why the latest version was not accepted (while the last valid
/// one stays in force).
/// </summary>
internal sealed class PoolStatusWriter(KubeApiClient client, ControllerOptions options, ILogger logger)
{
    public static IPAddressPoolStatus Desired(IPAddressPool pool, Allocator allocator)
    {
        var name = pool.Metadata.Name ?? string.Empty;
        var inForce = allocator.Pools.Find(name);
        var v4 = inForce is null ? default : allocator.Usage(name, IPFamily.IPv4);
        var v6 = inForce is null ? default : allocator.Usage(name, IPFamily.IPv6);
        var problems = allocator.Pools.Problems.GetValueOrDefault(name);
        var condition = problems is null
            ? new Condition { Type = "Valid", Status = "True", Reason = "Accepted", Message = "the pool is in force" }
            : new Condition
            {
                Type = "Valid",
                Status = "False",
                Reason = "InvalidConfiguration",
                Message = string.Join("; ", problems) + (inForce is null ? "; the pool is not in use" : "; the last valid version stays in force"),
            };
        return new IPAddressPoolStatus
        {
            AssignedIPv4 = v4.Allocated,
            AvailableIPv4 = (long)v4.Available,
            AssignedIPv6 = v6.Allocated,
            AvailableIPv6 = v6.Available.ToString(CultureInfo.InvariantCulture),
            Conditions = [condition],
        };
    }

    public async Task WriteAsync(IEnumerable<(IPAddressPool Pool, IPAddressPoolStatus Status)> statuses, CancellationToken cancellationToken)
    {
        foreach (var (pool, status) in statuses)
        {
            if (Same(pool.Status, status, pool.Metadata.Generation))
            {
                continue;
            }

            var condition = status.Conditions![0];
            var previous = pool.Status?.Conditions?.FirstOrDefault(c => c.Type == "Valid");
            var since = previous is not null && previous.Status == condition.Status && previous.LastTransitionTime is { } t ? t : DateTimeOffset.UtcNow;
            var patch = new JsonObject
            {
                ["status"] = new JsonObject
                {
                    ["assignedIPv4"] = status.AssignedIPv4,
                    ["availableIPv4"] = status.AvailableIPv4,
                    ["assignedIPv6"] = status.AssignedIPv6,
                    ["availableIPv6"] = status.AvailableIPv6,
                    ["conditions"] = new JsonArray(new JsonObject
                    {
                        ["type"] = condition.Type,
                        ["status"] = condition.Status,
                        ["reason"] = condition.Reason,
                        ["message"] = condition.Message,
                        ["observedGeneration"] = pool.Metadata.Generation,
                        ["lastTransitionTime"] = since.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                    }),
                },
            };
            try
            {
                await client.PatchAsync(Resources.IPAddressPools, options.Namespace, pool.Metadata.Name!, PatchType.Merge, patch, subresource: "status", cancellationToken: cancellationToken);
            }
            catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException)
            {
                ControllerLog.PoolStatusFailed(logger, ex, pool.Metadata.Name!);
            }
        }
    }

    /// <summary>
    /// Whether the status already says this, for this generation: a new leader trusts
    /// <c>Valid=True</c> only for the generation it names (see <see cref="PoolTranslator.AcceptedBefore"/>).
    /// </summary>
    private static bool Same(IPAddressPoolStatus? current, IPAddressPoolStatus desired, long? generation)
    {
        var a = current?.Conditions?.FirstOrDefault(c => c.Type == "Valid");
        var b = desired.Conditions![0];
        return current is not null
            && current.AssignedIPv4 == desired.AssignedIPv4
            && current.AvailableIPv4 == desired.AvailableIPv4
            && current.AssignedIPv6 == desired.AssignedIPv6
            && current.AvailableIPv6 == desired.AvailableIPv6
            && a is not null && a.Status == b.Status && a.Reason == b.Reason && a.Message == b.Message
            && a.ObservedGeneration == generation;
    }
}
