using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiInference.Runtime.Modelling.Samples;
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using TestKit;

namespace Api.Tests.Ai;

/// <summary>
/// Predictions in the Azure mode (<c>ServiceTokens:Mode=ManagedIdentity</c> on both ends): the Api presents its
/// identity's Entra token for AiInference's scope and names the organization in a header; the real AiInference (in
/// memory) checks the token against a loopback stand-in for Entra. Only the identity's token source is replaced.
/// </summary>
[TestClass]
public sealed class ManagedIdentityInferenceTests
{
    private static readonly string Audience = "api://" + Guid.NewGuid();
    private static readonly string ApiPrincipal = Guid.NewGuid().ToString();
    private static readonly LogisticModel Churn = LogisticModel.Random(4, seed: 31);
    private static FakeEntra _entra = null!;
    private static RecordingCredential _credential = null!;
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _entra = await FakeEntra.StartAsync();
        _credential = new RecordingCredential(scope => _entra.AccessToken(scope[..^"/.default".Length], ApiPrincipal));
        _api = await ApiFactory.CreateAsync("ai_managed_identity", new Dictionary<string, string?>
        {
            ["ServiceTokens:Mode"] = "ManagedIdentity",
            ["ServiceTokens:SigningKey"] = null,
            ["ServiceTokens:EntraAudience"] = Audience,
            ["ServiceTokens:EntraTenantId"] = _entra.TenantId,
            ["ServiceTokens:EntraMetadataAddress"] = _entra.MetadataAddress,
            ["ServiceTokens:EntraRequireHttps"] = "false",
            ["ServiceTokens:AllowedCallers:0"] = ApiPrincipal,
        }, services => services.AddSingleton<TokenCredential>(_credential));
        _owner = await _api.RegisterAndSignInAsync("mi-owner", "owner@mi.test");
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        await _api.DisposeAsync();
        await _entra.DisposeAsync();
    }

    [TestMethod]
    public async Task The_api_predicts_with_its_identitys_token_for_the_inference_scope_fetched_once()
    {
        await AiModelsApiTests.UploadAndActivateAsync(_owner.Client, "churn", Churn.Build());
        float[] first = [1, 0, -1, 0.5f];
        float[] second = [0, 2, 0.25f, -3];

        var one = await AiModelsApiTests.InferAsync(_owner.Client, "churn", Row(first));
        var two = await AiModelsApiTests.InferAsync(_owner.Client, "churn", Row(second));

        Assert.AreEqual(HttpStatusCode.OK, one.StatusCode, await one.Content.ReadAsStringAsync());
        Assert.AreEqual(HttpStatusCode.OK, two.StatusCode, await two.Content.ReadAsStringAsync());
        Assert.AreEqual(Churn.Evaluate(first), Probability(await one.Content.ReadFromJsonAsync<JsonElement>()), 1e-5);
        Assert.AreEqual(Churn.Evaluate(second), Probability(await two.Content.ReadFromJsonAsync<JsonElement>()), 1e-5);
        // Both predictions (and any retries while the model loaded) rode on one token from the identity.
        CollectionAssert.AreEqual(new[] { Audience + "/.default" }, _credential.Scopes.ToArray());
    }

    private static object Row(float[] values) =>
        new { inputs = new[] { new { name = "features", datatype = "FP32", shape = new[] { 1, 4 }, data = values } } };

    private static float Probability(JsonElement answer) => answer.GetProperty("outputs")[0].GetProperty("data")[0].GetSingle();

    /// <summary>The managed identity's token source: hands out a token for the scope asked and remembers each request.</summary>
    private sealed class RecordingCredential(Func<string, string> mint) : TokenCredential
    {
        public ConcurrentQueue<string> Scopes { get; } = new();

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            var scope = requestContext.Scopes.Single();
            Scopes.Enqueue(scope);
            return ValueTask.FromResult(new AccessToken(mint(scope), DateTimeOffset.UtcNow.AddHours(1)));
        }
    }
}
