namespace EdgeLB.Net.Frames;

/// <summary>What a decoded <see cref="LinkFrame"/> carries.</summary>
public enum LinkFrameKind
{
    None = 0,
    Arp,
    NeighborSolicitation,
    NeighborAdvertisement,
}
