using System.Globalization;
using System.Text;

namespace EdgeLB.Core.Text;

/// <summary>
/// Makes a value someone else wrote (an annotation, a name from one) safe to quote in an Event or a
/// log line: cut to <see cref="MaxLength"/> characters with an ellipsis and the original length, and
/// every character that could rewrite or hide what a reader sees escaped as <c>\uXXXX</c>: C0
/// controls, DEL, C1 controls, the bidirectional formatting characters and lone surrogates. The
/// quote and the backslash are escaped too, so the quoted text always ends where it seems to.
/// </summary>
public static class QuotedValue
{
    /// <summary>How many characters of a value are quoted at most.</summary>
    public const int MaxLength = 256;

    /// <summary>The value in double quotes, cut and escaped.</summary>
    public static string Quote(string? value) => "\"" + Escape(value) + "\"";

    /// <summary>The value cut and escaped, without quotes.</summary>
    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var cut = value.Length > MaxLength ? MaxLength : value.Length;
        if (cut < value.Length && char.IsHighSurrogate(value[cut - 1]))
        {
            cut--;
        }

        var text = new StringBuilder(cut + 16);
        for (var i = 0; i < cut; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < cut && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(c).Append(value[++i]);
            }
            else if (c is '"' or '\\')
            {
                text.Append('\\').Append(c);
            }
            else if (MustEscape(c))
            {
                text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                text.Append(c);
            }
        }

        if (cut < value.Length)
        {
            text.Append(CultureInfo.InvariantCulture, $"… ({value.Length} characters)");
        }

        return text.ToString();
    }

    private static bool MustEscape(char c) =>
        c < 0x20 // C0 controls
        || c is >= '\u007F' and <= '\u009F' // DEL and C1 controls
        || c is >= '\u202A' and <= '\u202E' // LRE, RLE, PDF, LRO, RLO
        || c is >= '\u2066' and <= '\u2069' // LRI, RLI, FSI, PDI
        || c is '\u200E' or '\u200F' or '\u061C' // LRM, RLM, ALM
        || char.IsSurrogate(c); // a surrogate without its partner
}
