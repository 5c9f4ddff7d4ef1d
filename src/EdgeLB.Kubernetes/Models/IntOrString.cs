using System.Globalization;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>intstr.IntOrString, e.g. a Service port's targetPort.</summary>
[JsonConverter(typeof(IntOrStringConverter))]
public readonly record struct IntOrString
{
    public IntOrString(int value)
    {
        IntValue = value;
        StringValue = null;
    }

    public IntOrString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        IntValue = 0;
        StringValue = value;
    }

    public int IntValue { get; }

    public string? StringValue { get; }

    public bool IsInt => StringValue is null;

    public static implicit operator IntOrString(int value) => new(value);

    public static implicit operator IntOrString(string value) => new(value);

    public static IntOrString FromInt32(int value) => new(value);

    public override string ToString() => StringValue ?? IntValue.ToString(CultureInfo.InvariantCulture);
}
