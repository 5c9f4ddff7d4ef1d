using EdgeLB.Core.Text;

namespace EdgeLB.Core.Tests.Text;

public sealed class QuotedValueTests
{
    [Theory]
    [InlineData("lan", "\"lan\"")]
    [InlineData("", "\"\"")]
    [InlineData("a\u001B[31mred", "\"a\\u001B[31mred\"")]
    [InlineData("nul\u0000end", "\"nul\\u0000end\"")]
    [InlineData("line\nbreak\r\t", "\"line\\u000Abreak\\u000D\\u0009\"")]
    [InlineData("del\u007F c1\u0085\u009B", "\"del\\u007F c1\\u0085\\u009B\"")]
    [InlineData("abc\u202Efdp.exe", "\"abc\\u202Efdp.exe\"")]
    [InlineData("\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069\u200E\u200F\u061C", "\"\\u202A\\u202B\\u202C\\u202D\\u2066\\u2067\\u2068\\u2069\\u200E\\u200F\\u061C\"")]
    [InlineData("say \"hi\" \\ bye", "\"say \\\"hi\\\" \\\\ bye\"")]
    [InlineData("ünïcödé 池 \U0001F600", "\"ünïcödé 池 \U0001F600\"")]
    public void Quote_EscapesWhatCouldRewriteTheLine(string value, string expected) =>
        Assert.Equal(expected, QuotedValue.Quote(value));

    [Fact]
    public void Quote_EscapesALoneSurrogate() =>
        Assert.Equal("\"lone \\uD800 surrogate\"", QuotedValue.Quote("lone " + (char)0xD800 + " surrogate"));

    [Fact]
    public void Quote_CutsLongValues_WithAnEllipsisAndTheOriginalLength()
    {
        var value = new string('x', 60_000);
        var quoted = QuotedValue.Quote(value);
        Assert.Equal("\"" + new string('x', QuotedValue.MaxLength) + "… (60000 characters)\"", quoted);
        Assert.Equal("\"" + new string('y', QuotedValue.MaxLength) + "\"", QuotedValue.Quote(new string('y', QuotedValue.MaxLength)));
    }

    [Fact]
    public void Escape_NeverSplitsASurrogatePairAtTheCut()
    {
        var value = new string('x', QuotedValue.MaxLength - 1) + "\U0001F600" + "tail";
        var escaped = QuotedValue.Escape(value);
        Assert.StartsWith(new string('x', QuotedValue.MaxLength - 1) + "…", escaped, StringComparison.Ordinal);
        Assert.DoesNotContain("\\uD83D", escaped, StringComparison.Ordinal);
    }
}
