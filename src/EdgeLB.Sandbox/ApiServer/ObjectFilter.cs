using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>The label and field selectors of a list or watch request, combined.</summary>
internal sealed record ObjectFilter(LabelSelector Labels, FieldSelector Fields)
{
    public bool Matches(JsonObject? obj) => obj is not null && Labels.Matches(JsonTree.Labels(obj)) && Fields.Matches(obj);
}
