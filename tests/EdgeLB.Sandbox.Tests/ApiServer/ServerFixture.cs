using EdgeLB.Sandbox.ApiServer;

namespace EdgeLB.Sandbox.Tests.ApiServer;

/// <summary>Base for tests that each get a fresh server on a free loopback port and a plain HTTP client.</summary>
public abstract class ServerFixture : IAsyncLifetime
{
    private protected InMemoryApiServer Server { get; private set; } = null!;

    private protected ApiTestClient Client { get; private set; } = null!;

    protected virtual void Configure(InMemoryApiServerOptions options)
    {
    }

    public async Task InitializeAsync()
    {
        var options = new InMemoryApiServerOptions();
        Configure(options);
        Server = await InMemoryApiServer.StartAsync(options);
        Client = new ApiTestClient(Server.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
