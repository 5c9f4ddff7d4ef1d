using System.Net;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Forwarding;

internal static partial class ForwardingLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "forwarding {Vip} to {Count} backends")]
    public static partial void BackendsSet(ILogger logger, VipPort vip, int count);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "stopped forwarding {Vip}")]
    public static partial void Cleared(ILogger logger, VipPort vip);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Debug, Message = "{Vip}: no backend reachable for {Client}: {Reason}")]
    public static partial void NoBackend(ILogger logger, VipPort vip, IPEndPoint? client, string reason);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "{Vip}: accept failed")]
    public static partial void AcceptFailed(ILogger logger, VipPort vip, Exception exception);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Debug, Message = "{Vip}: connect to {Backend} failed: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, VipPort vip, string backend, string reason);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Information, Message = "{Vip}: closed {Count} connections (idle or drained)")]
    public static partial void Swept(ILogger logger, VipPort vip, int count);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Warning, Message = "{Vip}: UDP receive failed")]
    public static partial void UdpReceiveFailed(ILogger logger, VipPort vip, Exception exception);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Information, Message = "nftables: programmed {Rules} forwarding rules in table inet {Table}")]
    public static partial void NftApplied(ILogger logger, int rules, string table);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Error, Message = "nftables: ruleset update failed")]
    public static partial void NftFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1209, Level = LogLevel.Information, Message = "Handover of {Vip}: segments of connections this node does not know go to the previous holder {PreviousHolder} for {Duration}")]
    public static partial void HandoffStarted(ILogger logger, System.Net.IPAddress vip, System.Net.IPAddress previousHolder, TimeSpan duration);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Warning, Message = "nftables: the connection handover rules could not be applied ({Reason}); connections open at a handover will be reset")]
    public static partial void HandoffFailed(ILogger logger, string reason);
}
