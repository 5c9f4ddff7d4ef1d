using EdgeLB.Core.Addresses;

namespace EdgeLB.Core.Tests.Addresses;

public class RangeCursorTests
{
    [Fact]
    public void Peek_ReturnsLowestFree_IncludingReturnedSlotsBelowTheMark()
    {
        var taken = new HashSet<UInt128>();
        var cursor = new RangeCursor(10, 20);
        for (var i = 0; i < 5; i++)
        {
            var s = cursor.Peek(taken.Contains)!.Value;
            taken.Add(s);
            cursor.Take(s);
        }

        Assert.Equal(new UInt128[] { 10, 11, 12, 13, 14 }, taken.Order());
        taken.Remove(12);
        cursor.Return(12);
        taken.Remove(11);
        cursor.Return(11);
        Assert.Equal((UInt128)11, cursor.Peek(taken.Contains));
    }

    [Fact]
    public void Peek_SkipsSlotsTakenElsewhere_AndReportsExhaustion()
    {
        var taken = new HashSet<UInt128> { 0, 1, 3 };
        var cursor = new RangeCursor(0, 3);
        Assert.Equal((UInt128)2, cursor.Peek(taken.Contains));
        taken.Add(2);
        cursor.Take(2);
        Assert.Null(cursor.Peek(taken.Contains));
        taken.Remove(1);
        cursor.Return(1);
        Assert.Equal((UInt128)1, cursor.Peek(taken.Contains));
    }

    [Fact]
    public void Cursor_OverWholeIPv6Space_DoesNotOverflow()
    {
        var taken = new HashSet<UInt128>();
        var cursor = new RangeCursor(UInt128.MaxValue - 1, UInt128.MaxValue);
        for (var i = 0; i < 2; i++)
        {
            var s = cursor.Peek(taken.Contains)!.Value;
            taken.Add(s);
            cursor.Take(s);
        }

        Assert.Null(cursor.Peek(taken.Contains));
    }
}
