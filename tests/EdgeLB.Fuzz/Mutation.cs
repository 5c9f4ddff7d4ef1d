using CsCheck;

namespace EdgeLB.Fuzz;

internal enum MutationKind
{
    Truncate,
    FlipBit,
    SetByte,
    Insert,
    Delete,
    Duplicate,
    AppendRandom,
    Zero,
    SetMax,
}

/// <summary>One edit to a byte string; positions wrap around its length so any edit applies to any input.</summary>
internal readonly record struct Mutation(MutationKind Kind, int Position, byte Value, int Length)
{
    public static readonly Gen<Mutation> Any = Gen.Select(Gen.Enum<MutationKind>(), Gen.Int[0, 1 << 20], Gen.Byte, Gen.Int[0, 96], (k, p, v, l) => new Mutation(k, p, v, l));

    public static readonly Gen<Mutation[]> Some = Any.Array[0, 4];

    /// <summary>Applies <paramref name="mutations"/> in order and returns the result (the input is left alone).</summary>
    public static byte[] ApplyAll(ReadOnlySpan<byte> input, IEnumerable<Mutation> mutations)
    {
        var bytes = new List<byte>(input.ToArray());
        foreach (var m in mutations)
        {
            m.Apply(bytes);
        }

        return [.. bytes];
    }

    public void Apply(List<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var at = bytes.Count == 0 ? 0 : Position % bytes.Count;
        var span = Math.Min(Length, bytes.Count - at);
        switch (Kind)
        {
            case MutationKind.Truncate:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case MutationKind.FlipBit when bytes.Count > 0:
                bytes[at] ^= (byte)(1 << (Value & 7));
                break;
            case MutationKind.SetByte when bytes.Count > 0:
                bytes[at] = Value;
                break;
            case MutationKind.Insert:
                bytes.InsertRange(at, Enumerable.Repeat(Value, Length));
                break;
            case MutationKind.Delete:
                bytes.RemoveRange(at, span);
                break;
            case MutationKind.Duplicate:
                bytes.InsertRange(at, bytes.GetRange(at, span));
                break;
            case MutationKind.AppendRandom:
                // Deterministic from the mutation itself, so a minimized case replays exactly.
                var (value, position) = (Value, Position);
                bytes.AddRange(Enumerable.Range(0, Length).Select(i => (byte)((value * 31) + (i * 7) + position)));
                break;
            case MutationKind.Zero:
                bytes.RemoveRange(at, span);
                bytes.InsertRange(at, new byte[span]);
                break;
            case MutationKind.SetMax:
                bytes.RemoveRange(at, span);
                bytes.InsertRange(at, Enumerable.Repeat((byte)0xFF, span));
                break;
            default:
                break;
        }
    }
}
