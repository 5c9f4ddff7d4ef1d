using System.Net;

namespace EdgeLB.Net.Interfaces;

/// <summary>An address configured on an interface, with its prefix length.</summary>
public sealed record InterfaceAddress(IPAddress Address, int PrefixLength);
