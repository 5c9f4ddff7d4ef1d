namespace EdgeLB.Net.Interfaces;

/// <summary>RFC 2863 operational state as Linux reports it (IFLA_OPERSTATE).</summary>
public enum LinkOperationalState
{
    Unknown = 0,
    NotPresent = 1,
    Down = 2,
    LowerLayerDown = 3,
    Testing = 4,
    Dormant = 5,
    Up = 6,
}
