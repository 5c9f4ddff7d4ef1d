namespace EdgeLB.Speaker.Announcing;

/// <summary>Decides, on the receive thread, what to do about a claim.</summary>
public delegate ClaimVerdict ClaimHandler(AddressClaim claim);
