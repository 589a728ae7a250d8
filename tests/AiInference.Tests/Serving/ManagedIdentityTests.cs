using System.Net;
using System.Net.Http.Headers;
using AiInference.Runtime.Modelling.Samples;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;
using Platform.Ai;
using TestKit;
using static AiInference.Tests.Serving.ProtocolClient;

namespace AiInference.Tests.Serving;

/// <summary>
/// AiInference in the Azure mode (<c>ServiceTokens:Mode=ManagedIdentity</c>): it believes the acting organization
/// only from a caller whose Entra token checks out against the tenant's published keys and the allow-list.
/// Entra is a loopback stand-in (<see cref="FakeEntra"/>); everything else is the real server.
/// </summary>
[TestClass]
public sealed class ManagedIdentityTests
{
    private static readonly string AppId = Guid.NewGuid().ToString();
    private static readonly string Audience = "api://" + AppId;
    private static readonly string ApiPrincipal = Guid.NewGuid().ToString();
    private static readonly LogisticModel Churn = LogisticModel.Random(8, seed: 5);
    private static FakeEntra _entra = null!;
    private static InferenceServerFactory _server = null!;
    private static Guid _acme;
    private static Guid _globex;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _entra = await FakeEntra.StartAsync();
        _server = await InferenceServerFactory.CreateAsync("managed_identity", Settings(_entra));
        _server.Credentials = (headers, tenant) => Present(headers, _entra.AccessToken(Audience, ApiPrincipal), tenant);
        _acme = await _server.AddOrganizationAsync("acme");
        _globex = await _server.AddOrganizationAsync("globex");
        await _server.PublishAsync(_acme, "churn", Churn.Build());
        await _server.PublishPlatformAsync("shared-identity", ProbeModels.Identity());
        await _server.WaitUntilServedAsync(_acme, "churn", 1);
        await _server.WaitUntilServedAsync(null, "shared-identity", 1);
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        await _server.DisposeAsync();
        await _entra.DisposeAsync();
    }

    internal static Dictionary<string, string?> Settings(FakeEntra entra) => new()
    {
        ["ServiceTokens:Mode"] = "ManagedIdentity",
        ["ServiceTokens:EntraAudience"] = Audience,
        ["ServiceTokens:EntraTenantId"] = entra.TenantId,
        ["ServiceTokens:EntraMetadataAddress"] = entra.MetadataAddress,
        // The stand-in speaks http on loopback; in Azure the metadata is https only.
        ["ServiceTokens:EntraRequireHttps"] = "false",
        ["ServiceTokens:AllowedCallers:0"] = ApiPrincipal,
    };

    [TestMethod]
    public async Task An_allowed_callers_token_reaches_the_acting_organizations_models_and_only_those()
    {
        var row = Enumerable.Range(0, 8).Select(i => i / 8f).ToArray();
        var request = Request(Tensor("features", "FP32", [1, 8], Floats(row)));
        using var forAcme = _server.ClientFor(_acme);
        using var forGlobex = _server.ClientFor(_globex);
        using var platformOnly = _server.ClientFor(null);

        var acme = await InferAsync(forAcme, "churn", request);
        var globex = await InferAsync(forGlobex, "churn", request);
        var noOrganization = await GetAsync(platformOnly, "/v2/models/churn");
        var platformModel = await GetAsync(platformOnly, "/v2/models/shared-identity");

        Assert.AreEqual(HttpStatusCode.OK, acme.Status, acme.Body?.ToJsonString());
        Assert.AreEqual(Churn.Evaluate(row), Output(acme.Body!, "probability")[0]!.GetValue<float>(), 1e-5);
        Assert.AreEqual(HttpStatusCode.NotFound, globex.Status);
        Assert.AreEqual(HttpStatusCode.NotFound, noOrganization.Status);
        Assert.AreEqual(HttpStatusCode.OK, platformModel.Status);
    }

    [TestMethod]
    public async Task A_v2_token_whose_audience_is_the_bare_app_id_is_accepted()
    {
        using var client = ClientWith(_entra.AccessToken(AppId, ApiPrincipal), _acme);

        var (status, body) = await GetAsync(client, "/v2/models/churn");

        Assert.AreEqual(HttpStatusCode.OK, status, body?.ToJsonString());
    }

    [TestMethod]
    public async Task A_token_for_another_audience_is_refused()
    {
        using var client = ClientWith(_entra.AccessToken("api://" + Guid.NewGuid(), ApiPrincipal), _acme);

        await AssertRefusedAsync(client, "another audience");
    }

    [TestMethod]
    public async Task An_expired_token_is_refused()
    {
        using var client = ClientWith(_entra.AccessToken(Audience, ApiPrincipal, issuedAt: DateTime.UtcNow.AddHours(-2)), _acme);

        await AssertRefusedAsync(client, "expired");
    }

    [TestMethod]
    public async Task A_token_of_an_identity_not_in_the_allow_list_is_refused()
    {
        var stranger = Guid.NewGuid().ToString();
        using var client = ClientWith(_entra.AccessToken(Audience, stranger), _acme);

        await AssertRefusedAsync(client, $"the caller (oid {stranger}) is not in ServiceTokens:AllowedCallers");
    }

    [TestMethod]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        var forger = FakeEntra.NewKey();
        using var client = ClientWith(_entra.AccessToken(Audience, ApiPrincipal, signedWith: forger), _acme);

        await AssertRefusedAsync(client, "signature does not match the issuer's signing keys");
        forger.Rsa.Dispose();
    }

    [TestMethod]
    public async Task A_users_delegated_token_is_refused_even_for_an_allowed_oid()
    {
        var token = _entra.AccessToken(Audience, ApiPrincipal, extraClaims: new Dictionary<string, object> { ["scp"] = "user_impersonation" });
        using var client = ClientWith(token, _acme);

        await AssertRefusedAsync(client, "signed-in user");
    }

    [TestMethod]
    public async Task The_organization_header_without_a_token_or_with_a_shared_key_token_is_refused()
    {
        using var headerOnly = ClientWith(null, _acme);
        using var sharedKey = ClientWith(_server.Tokens.Issue(_acme, DateTimeOffset.UtcNow), _acme);

        await AssertRefusedAsync(headerOnly, "an Entra access token of an allowed service is required");
        await AssertRefusedAsync(sharedKey, "signature does not match the issuer's signing keys");
    }

    [TestMethod]
    public async Task A_malformed_organization_header_is_a_bad_request()
    {
        using var client = _server.CreateClient();
        Present(client.DefaultRequestHeaders, _entra.AccessToken(Audience, ApiPrincipal), null);
        client.DefaultRequestHeaders.Add(ServiceTokenOptions.ActingOrganizationHeader, "acme");

        var (status, body) = await GetAsync(client, "/v2/models/churn");

        Assert.AreEqual(HttpStatusCode.BadRequest, status);
        StringAssert.Contains(body!["error"]!.GetValue<string>(), ServiceTokenOptions.ActingOrganizationHeader);
    }

    [TestMethod]
    public async Task Metadata_that_cannot_be_fetched_refuses_calls_with_a_reason_not_a_server_error()
    {
        var settings = Settings(_entra);
        settings["ServiceTokens:EntraMetadataAddress"] = _entra.MetadataAddress.Replace("/v2.0/", "/missing/", StringComparison.Ordinal);
        settings["ModelServing:SeedSampleModels"] = "false";
        await using var server = await InferenceServerFactory.CreateAsync("managed_identity_no_metadata", settings);
        using var client = server.CreateClient();
        Present(client.DefaultRequestHeaders, _entra.AccessToken(Audience, ApiPrincipal), null);

        var (status, body) = await GetAsync(client, "/v2/models/anything");

        Assert.AreEqual(HttpStatusCode.Unauthorized, status, body?.ToJsonString());
        StringAssert.Contains(body!["error"]!.GetValue<string>(), "signing keys could not be fetched");
    }

    [TestMethod]
    public async Task Outside_development_the_server_refuses_to_start_without_its_allowed_callers()
    {
        var settings = Settings(_entra);
        settings.Remove("ServiceTokens:AllowedCallers:0");
        settings["ConnectionStrings:platformdb"] = _server.Database.AppConnectionString;
        settings["OnnxRuntime:LibraryPath"] = await TestOnnxRuntime.LibraryPathAsync();
        await using var production = new ProductionServer(settings);

        var refused = Assert.ThrowsExactly<OptionsValidationException>(() => _ = production.Server);

        StringAssert.Contains(refused.Message, "ServiceTokens:AllowedCallers");
    }

    [TestMethod]
    public async Task Even_in_development_the_server_refuses_to_start_without_a_signing_key_instead_of_failing_each_call()
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:platformdb"] = _server.Database.AppConnectionString,
            ["OnnxRuntime:LibraryPath"] = await TestOnnxRuntime.LibraryPathAsync(),
            ["ModelServing:SeedSampleModels"] = "false",
        };
        await using var development = new ProductionServer(settings, "Development");

        var refused = Assert.ThrowsExactly<OptionsValidationException>(() => _ = development.Server);

        StringAssert.Contains(refused.Message, "ServiceTokens:SigningKey");
    }

    private static void Present(HttpRequestHeaders headers, string? token, Guid? tenant)
    {
        if (token is not null)
        {
            headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (tenant is { } organization)
        {
            headers.Add(ServiceTokenOptions.ActingOrganizationHeader, organization.ToString());
        }
    }

    private static HttpClient ClientWith(string? token, Guid? tenant)
    {
        var client = _server.CreateClient();
        Present(client.DefaultRequestHeaders, token, tenant);
        return client;
    }

    private static async Task AssertRefusedAsync(HttpClient client, string reason)
    {
        var metadata = await GetAsync(client, "/v2/models/churn");
        var infer = await InferAsync(client, "churn", Request(Tensor("features", "FP32", [1, 8], Floats(new float[8]))));

        Assert.AreEqual(HttpStatusCode.Unauthorized, metadata.Status, metadata.Body?.ToJsonString());
        StringAssert.Contains(metadata.Body!["error"]!.GetValue<string>(), reason);
        Assert.AreEqual(HttpStatusCode.Unauthorized, infer.Status);
    }

    /// <summary>The real server in another environment than the tests' usual Development (Production unless told).</summary>
    private sealed class ProductionServer(Dictionary<string, string?> settings, string environment = "Production") : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
