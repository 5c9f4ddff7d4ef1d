using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Serialization;

namespace EdgeLB.Kubernetes.Tests.Referee;

/// <summary>
/// Walks the fields an EdgeLB model declares (by their JSON names) over an object of that model or of
/// KubernetesClient's model for the same kind: fills every one of them with a distinct value, or
/// compares them between the two. A field whose JSON name KubernetesClient does not know is itself a
/// difference, so a misspelled name in our models shows up here.
/// </summary>
internal sealed class ModelShape
{
    private static readonly DateTime Epoch = new(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc);
    private int _counter;

    /// <param name="seed">Makes the values of one sample differ from another's.</param>
    public ModelShape(int seed)
    {
        _counter = seed;
    }

    /// <summary>A <paramref name="target"/>-typed object with every field of <paramref name="ours"/>'s shape set.</summary>
    public object Fill(Type ours, Type target)
    {
        var instance = Activator.CreateInstance(target)!;
        FillObject(instance, ours, ours.Name);
        return instance;
    }

    /// <summary>Differences between the fields <paramref name="ours"/> models and the same fields of <paramref name="theirs"/>.</summary>
    public static (List<string> Differences, int Compared) Compare(object ours, object theirs)
    {
        var differences = new List<string>();
        var compared = 0;
        CompareObject(ours, theirs, ours.GetType().Name, differences, ref compared);
        return (differences, compared);
    }

    private static IEnumerable<(PropertyInfo Ours, string JsonName)> Fields(Type ours) =>
        ours.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is not null && p.GetIndexParameters().Length == 0)
            .Where(p => p.GetCustomAttribute<JsonExtensionDataAttribute>() is null && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .Select(p => (p, p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name)));

    private static PropertyInfo? Counterpart(Type target, string jsonName) =>
        target.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => (p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name)) == jsonName);

    private static bool IsMicroTime(PropertyInfo property) =>
        property.GetCustomAttribute<JsonConverterAttribute>()?.ConverterType == typeof(MicroTimeConverter);

    private static Type Plain(Type type) => Nullable.GetUnderlyingType(type) ?? type;

    private static Type? ElementType(Type list) =>
        list == typeof(string) ? null : list.IsArray ? list.GetElementType() : list.GetInterfaces().Append(list)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static bool IsStringMap(Type type) =>
        type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>) && i.GetGenericArguments()[0] == typeof(KeyValuePair<string, string>));

    private void FillObject(object target, Type ours, string path)
    {
        var defaults = ours.IsValueType || ours.GetConstructor(Type.EmptyTypes) is null ? null : Activator.CreateInstance(ours);
        foreach (var (field, name) in Fields(ours))
        {
            var counterpart = target.GetType() == ours ? field : Counterpart(target.GetType(), name)
                ?? throw new InvalidOperationException($"{target.GetType().Name} has no field \"{name}\" ({path})");

            // apiVersion and kind of a top-level object are fixed by its type, not free text.
            var value = name is "apiVersion" or "kind" && field.GetValue(defaults) is string fixedValue
                ? fixedValue
                : Make(field.PropertyType, counterpart.PropertyType, $"{path}.{name}", IsMicroTime(field));
            counterpart.SetValue(target, value);
        }
    }

    private object Make(Type ours, Type target, string path, bool microTime)
    {
        var n = ++_counter;
        ours = Plain(ours);
        var plainTarget = Plain(target);
        if (ours == typeof(string))
        {
            return $"{path.Replace('.', '-')}-{n}".ToLowerInvariant();
        }

        if (ours == typeof(int) || ours == typeof(long))
        {
            return Convert.ChangeType(n, plainTarget, CultureInfo.InvariantCulture);
        }

        if (ours == typeof(bool))
        {
            return n % 2 == 0;
        }

        if (ours == typeof(DateTimeOffset))
        {
            // metav1.Time has whole seconds; MicroTime keeps microseconds.
            var time = Epoch.AddSeconds(n).AddTicks(microTime ? 1_234_560 + (n * 10) : 0);
            return plainTarget == typeof(DateTimeOffset) ? new DateTimeOffset(time) : (object)time;
        }

        if (ours == typeof(IntOrString))
        {
            // Alternate numbers and names, the two forms a targetPort takes.
            return plainTarget == typeof(IntOrString)
                ? n % 2 == 0 ? new IntOrString(n) : new IntOrString($"port-{n}")
                : n % 2 == 0 ? (k8s.Models.IntOrString)n : (k8s.Models.IntOrString)$"port-{n}";
        }

        if (IsStringMap(ours))
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [$"edgelb.io/{path.Replace('.', '-')}-a".ToLowerInvariant()] = $"a-{n}",
                [$"example.com/{path.Replace('.', '-')}-b".ToLowerInvariant()] = $"b-{n}",
            };
            return map;
        }

        if (ElementType(ours) is { } ourElement)
        {
            var targetElement = ElementType(target) ?? throw new InvalidOperationException($"{path}: {target.Name} is not a list");
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(targetElement))!;
            list.Add(Make(ourElement, targetElement, $"{path}[0]", microTime));
            list.Add(Make(ourElement, targetElement, $"{path}[1]", microTime));
            return list;
        }

        var instance = Activator.CreateInstance(plainTarget)!;
        FillObject(instance, ours, path);
        return instance;
    }

    private static void CompareObject(object ours, object theirs, string path, List<string> differences, ref int compared)
    {
        foreach (var (field, name) in Fields(ours.GetType()))
        {
            var here = $"{path}.{name}";
            var counterpart = Counterpart(theirs.GetType(), name);
            if (counterpart is null)
            {
                differences.Add($"{here}: KubernetesClient's {theirs.GetType().Name} has no such field");
                continue;
            }

            CompareValue(field.GetValue(ours), counterpart.GetValue(theirs), field.PropertyType, here, differences, ref compared);
        }
    }

    private static void CompareValue(object? ours, object? theirs, Type ourType, string path, List<string> differences, ref int compared)
    {
        if (ours is null || theirs is null)
        {
            differences.Add(ours is null && theirs is null
                ? $"{path}: empty on both sides (the sample should set every field)"
                : $"{path}: ours {Show(ours)}, theirs {Show(theirs)}");
            return;
        }

        ourType = Plain(ourType);
        compared++;
        switch (ours)
        {
            case string or int or long or bool:
                if (!string.Equals(Convert.ToString(ours, CultureInfo.InvariantCulture), Convert.ToString(theirs, CultureInfo.InvariantCulture), StringComparison.Ordinal))
                {
                    differences.Add($"{path}: ours {Show(ours)}, theirs {Show(theirs)}");
                }

                return;
            case DateTimeOffset time:
                var theirTime = theirs is DateTime dt ? new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime()) : (DateTimeOffset)theirs;
                if (time.UtcTicks != theirTime.UtcTicks)
                {
                    differences.Add($"{path}: ours {time:O}, theirs {theirTime:O}");
                }

                return;
            case IntOrString port:
                if (port.ToString() != ((k8s.Models.IntOrString)theirs).Value)
                {
                    differences.Add($"{path}: ours {port}, theirs {((k8s.Models.IntOrString)theirs).Value}");
                }

                return;
        }

        if (IsStringMap(ourType))
        {
            var a = ((IEnumerable<KeyValuePair<string, string>>)ours).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}");
            var b = ((IEnumerable<KeyValuePair<string, string>>)theirs).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}");
            if (!a.SequenceEqual(b))
            {
                differences.Add($"{path}: ours {{{string.Join(',', a)}}}, theirs {{{string.Join(',', b)}}}");
            }

            return;
        }

        if (ElementType(ourType) is { } element)
        {
            var a = ((IEnumerable)ours).Cast<object?>().ToList();
            var b = ((IEnumerable)theirs).Cast<object?>().ToList();
            if (a.Count != b.Count)
            {
                differences.Add($"{path}: ours has {a.Count} items, theirs {b.Count}");
                return;
            }

            for (var i = 0; i < a.Count; i++)
            {
                CompareValue(a[i], b[i], element, $"{path}[{i}]", differences, ref compared);
            }

            return;
        }

        CompareObject(ours, theirs, path, differences, ref compared);
    }

    private static string Show(object? value) => value switch
    {
        null => "(none)",
        string s => $"\"{s}\"",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?",
    };
}
