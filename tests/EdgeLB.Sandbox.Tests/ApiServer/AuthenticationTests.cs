using System.Net;
using System.Net.Http.Headers;
using EdgeLB.Sandbox.ApiServer;

namespace EdgeLB.Sandbox.Tests.ApiServer;

public sealed class AuthenticationTests : ServerFixture
{
    protected override void Configure(InMemoryApiServerOptions options) => options.RequireAuthentication = true;

    [Fact]
    public async Task RequireAuthentication_AcceptsIssuedTokens_RejectsMissingAndRevoked()
    {
        var (code, body, _) = await Client.SendAsync(HttpMethod.Get, "/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.Unauthorized, code);
        Assert.Equal("Unauthorized", body["reason"]!.GetValue<string>());
        await Client.GetAsync("/version");

        var token = Server.IssueToken("edgelb-controller", "edgelb-system");
        Client.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await Client.GetAsync("/api/v1/namespaces");

        // A rotated-away token stops working, as an expired projected token would.
        Assert.True(Server.RevokeToken(token));
        (code, _, _) = await Client.SendAsync(HttpMethod.Get, "/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.Unauthorized, code);
    }
}
