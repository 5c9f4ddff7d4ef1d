namespace EdgeLB.Net.Interfaces;

/// <summary>What kind of rtnetlink notification arrived.</summary>
public enum InterfaceChangeKind
{
    /// <summary>A link appeared or changed (state, carrier, MAC, name).</summary>
    LinkChanged,
    LinkRemoved,
    AddressAdded,
    AddressRemoved,

    /// <summary>The kernel dropped notifications (receive buffer overrun): re-read everything.</summary>
    Overrun,
}
