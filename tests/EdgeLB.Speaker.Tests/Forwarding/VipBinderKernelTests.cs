using System.Net;
using EdgeLB.Net.Interfaces;
using EdgeLB.Net.Netlink;
using EdgeLB.Sandbox.Lab;
using EdgeLB.Speaker.Forwarding;

namespace EdgeLB.Speaker.Tests.Forwarding;

/// <summary>
/// The VIP binder's netlink add/remove against the real kernel, in a namespace of its own: the
/// binder's netlink socket is opened on a thread inside it, and <c>ip</c> there is the judge.
/// </summary>
public sealed class VipBinderKernelTests : IAsyncLifetime
{
    private NetworkLab? _lab;
    private NamespaceThread? _thread;
    private LabHost _node = null!;
    private IPAddress _vip4 = IPAddress.None;
    private IPAddress _vip6 = IPAddress.IPv6None;

    public async Task InitializeAsync()
    {
        if (!NetworkLab.IsSupported)
        {
            return;
        }

        _lab = await NetworkLab.CreateAsync("vipb");
        _node = await _lab.AddHostAsync("node");
        _thread = _node.EnterThread();
        _vip4 = IPAddress.Parse($"198.18.{_lab.Subnet}.77");
        _vip6 = IPAddress.Parse($"2001:db8:{_lab.Subnet:x}::77");
    }

    public async Task DisposeAsync()
    {
        _thread?.Dispose();
        if (_lab is not null)
        {
            await _lab.DisposeAsync();
        }
    }

    [NetnsFact]
    public async Task Add_PutsBothFamiliesOnTheInterface_AndAddingAgainChangesNothing()
    {
        var binder = await StartAsync();

        await binder.AddAsync(_vip4, default);
        await binder.AddAsync(_vip6, default);
        var first = await AddressesAsync();
        await binder.AddAsync(_vip4, default);
        await binder.AddAsync(_vip6, default);
        var again = await AddressesAsync();

        Assert.Single(Lines(first, $" inet {_vip4}/32 "));
        var v6 = Assert.Single(Lines(first, $" inet6 {_vip6}/128 "));
        // IFA_F_NODAD: usable at once, never "tentative" while the new holder announces.
        Assert.Contains("nodad", v6, StringComparison.Ordinal);
        Assert.DoesNotContain("tentative", v6, StringComparison.Ordinal);
        Assert.Single(Lines(again, $" inet {_vip4}/32 "));
        Assert.Single(Lines(again, $" inet6 {_vip6}/128 "));
    }

    [NetnsFact]
    public async Task Remove_TakesTheVipsOff_AndRemovingAgainIsNoError()
    {
        var binder = await StartAsync();
        await binder.AddAsync(_vip4, default);
        await binder.AddAsync(_vip6, default);
        var other = IPAddress.Parse($"198.18.{_lab!.Subnet}.78");
        await binder.AddAsync(other, default);

        await binder.RemoveAsync(_vip4, default);
        await binder.RemoveAsync(_vip6, default);
        var after = await AddressesAsync();
        await binder.RemoveAsync(_vip4, default);
        await binder.RemoveAsync(_vip6, default);

        Assert.DoesNotContain(_vip4.ToString() + "/", after, StringComparison.Ordinal);
        Assert.DoesNotContain(_vip6.ToString() + "/", after, StringComparison.Ordinal);
        // Only the one address goes: another VIP on the same interface stays.
        Assert.Single(Lines(after, $" inet {other}/32 "));
        Assert.Single(Lines(await AddressesAsync(), $" inet {other}/32 "));
    }

    [NetnsFact]
    public async Task UnknownInterface_FailsNamingTheVipAndTheInterface()
    {
        var binder = new DummyInterfaceVipBinder(
            new ProcessCommandRunner(["ip", "netns", "exec", _node.Namespace]),
            new ForwardingOptions { InterfaceName = "edgelb-none" },
            () => _thread!.Invoke(InterfaceAddressEditor.Open));

        var add = await Assert.ThrowsAsync<InvalidOperationException>(() => binder.AddAsync(_vip4, default));
        var remove = await Assert.ThrowsAsync<InvalidOperationException>(() => binder.RemoveAsync(_vip6, default));

        Assert.Equal($"adding VIP {_vip4} on edgelb-none failed: RTM_GETLINK edgelb-none: No such device (errno 19)", add.Message);
        Assert.Equal($"removing VIP {_vip6} on edgelb-none failed: RTM_GETLINK edgelb-none: No such device (errno 19)", remove.Message);
    }

    [NetnsFact]
    public async Task Editor_RejectsAnImpossiblePrefix_AndPassesOnTheKernelsRefusal()
    {
        await StartAsync();
        using var editor = _thread!.Invoke(InterfaceAddressEditor.Open);
        var index = editor.GetIndex("edgelb0");

        var prefix = Assert.Throws<ArgumentOutOfRangeException>(() => editor.Replace(index, _vip4, 33));
        // An index no interface has: the kernel answers ENODEV, and the errno reaches the caller.
        var refused = Assert.Throws<NetlinkException>(() => editor.Replace(index + 1000, _vip4, 32));

        Assert.Equal("prefixLength", prefix.ParamName);
        Assert.Equal(19, refused.Errno);
        Assert.DoesNotContain(_vip4 + "/", await AddressesAsync(), StringComparison.Ordinal);
    }

    /// <summary>A binder for <c>edgelb0</c> in the test namespace, after its start-up (interface created).</summary>
    private async Task<DummyInterfaceVipBinder> StartAsync()
    {
        var binder = new DummyInterfaceVipBinder(
            new ProcessCommandRunner(["ip", "netns", "exec", _node.Namespace]),
            new ForwardingOptions(),
            () => _thread!.Invoke(InterfaceAddressEditor.Open));
        await binder.CleanupAsync(default);
        return binder;
    }

    private Task<string> AddressesAsync() => _node.RunAsync("ip", "-o", "addr", "show", "dev", "edgelb0");

    private static string[] Lines(string output, string fragment) =>
        [.. output.Split('\n').Where(l => l.Contains(fragment, StringComparison.Ordinal))];
}
