namespace EdgeLB.Core.Allocation;

/// <summary>
/// Machine-readable reasons for refusals and warnings; the controller uses them as Event reasons,
/// so they are stable API.
/// </summary>
public static class AllocationReasons
{
    /// <summary>No free address of a wanted family is left in any pool the Service may use.</summary>
    public const string PoolExhausted = nameof(PoolExhausted);

    /// <summary>The pool named by the Service's annotation does not exist.</summary>
    public const string UnknownPool = nameof(UnknownPool);

    /// <summary>No pool allows this Service (namespace / label selectors, auto-assign off).</summary>
    public const string NoMatchingPool = nameof(NoMatchingPool);

    /// <summary>The pool named by the annotation does not allow this Service.</summary>
    public const string PoolNotAllowed = nameof(PoolNotAllowed);

    /// <summary>A requested IP is in no pool, or not in the requested pool, or is a .0/.255 the pool avoids, or an IPv6 CIDR's Subnet-Router anycast address.</summary>
    public const string RequestedIPNotInPool = nameof(RequestedIPNotInPool);

    /// <summary>A requested IP belongs to another Service that does not share it.</summary>
    public const string RequestedIPInUse = nameof(RequestedIPInUse);

    /// <summary>Services share a key but cannot share an IP: colliding ports or, under Local, different pods.</summary>
    public const string SharingConflict = nameof(SharingConflict);

    /// <summary>No usable pool has an address of a family the Service requires.</summary>
    public const string FamilyNotAvailable = nameof(FamilyNotAvailable);

    /// <summary>An annotation or spec field could not be understood.</summary>
    public const string InvalidAnnotation = nameof(InvalidAnnotation);

    /// <summary>Warning: an IP the Service holds is no longer in any pool; it is kept until the user asks for another.</summary>
    public const string IPNotInAnyPool = nameof(IPNotInAnyPool);
}
