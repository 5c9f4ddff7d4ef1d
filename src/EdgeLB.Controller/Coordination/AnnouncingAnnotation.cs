using System.Globalization;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// The value of the Service annotation <c>edgelb.io/announcing-node</c>: "node,interface,epoch".
/// A new leader reads it back to know who held each VIP and the highest epoch handed out.
/// </summary>
internal readonly record struct AnnouncingAnnotation(string Node, string Interface, ulong Epoch)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Node},{Interface},{Epoch}");

    public static bool TryParse(string? text, out AnnouncingAnnotation value)
    {
        value = default;
        var parts = text?.Split(',') ?? [];
        if (parts.Length != 3 || parts[0].Length == 0 || !ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            return false;
        }

        value = new AnnouncingAnnotation(parts[0], parts[1], epoch);
        return true;
    }
}
