namespace EdgeLB.Net.Interfaces;

/// <summary>One change notification; read <see cref="InterfaceCatalog"/> again for the new state.</summary>
public sealed class InterfaceChangedEventArgs(InterfaceChangeKind kind, int interfaceIndex) : EventArgs
{
    public InterfaceChangeKind Kind { get; } = kind;

    /// <summary>The interface concerned; 0 for <see cref="InterfaceChangeKind.Overrun"/>.</summary>
    public int InterfaceIndex { get; } = interfaceIndex;

    public override string ToString() => $"{Kind} {InterfaceIndex}";
}
