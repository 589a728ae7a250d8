using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using AiInference.Runtime.Modelling.Samples;
using Azure.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static AiInference.Tests.Serving.ProtocolClient;

namespace AiInference.Tests.Serving;

/// <summary>
/// Models stored by reference, fetched the way Azure Blob Storage is asked (Get Blob with an Entra token and
/// x-ms-version) from a blob server on loopback, and served only when their SHA-256 is the registered one.
/// </summary>
[TestClass]
public sealed class StorageReferenceTests
{
    private const string StorageToken = "storage-token-for-tests";

    [TestMethod]
    public async Task A_model_stored_by_reference_is_fetched_with_the_identity_checked_and_served_and_a_bad_blob_never_replaces_it()
    {
        var version1 = LogisticModel.Random(8, seed: 11);
        var version2 = LogisticModel.Random(8, seed: 12);
        await using var blobs = await BlobServer.StartAsync();
        blobs.Put("models/scoring-1.onnx", version1.Build());
        var credential = new RecordingCredential();
        await using var server = await InferenceServerFactory.CreateAsync(
            "storageref",
            new Dictionary<string, string?>
            {
                ["Ai:ModelStorage:AllowedHosts:0"] = "127.0.0.1",
                ["Ai:ModelStorage:AllowLoopbackHttp"] = "true",
                ["ModelServing:LoadRetryDelay"] = "00:00:00.300",
            },
            services => services.AddSingleton<TokenCredential>(credential));
        var tenant = await server.AddOrganizationAsync("blobs");
        float[] row = [.. Enumerable.Range(0, 8).Select(i => (i - 4) / 4f)];
        using var client = server.ClientFor(tenant);

        await server.PublishReferenceAsync(tenant, "scoring", blobs.UriOf("models/scoring-1.onnx"), Sha256(version1.Build()));
        await server.WaitUntilServedAsync(tenant, "scoring", 1);
        var (status, body) = await InferAsync(client, "scoring", Request(Tensor("features", "FP32", [1, 8], Floats(row))));
        Assert.AreEqual(HttpStatusCode.OK, status, body?.ToJsonString());
        Assert.AreEqual(version1.Evaluate(row), Output(body!, "probability")[0]!.GetValue<float>(), 1e-5);
        CollectionAssert.Contains(credential.Scopes.ToList(), "https://storage.azure.com/.default");
        Assert.IsTrue(blobs.Requests.All(r => r.Authorization == $"Bearer {StorageToken}" && r.Version == Models.ModelStorageClient.BlobServiceVersion), "every Get Blob carries the token and the service version");

        // Version 2 registered with the checksum of its real bytes, while storage still holds other bytes under its name.
        blobs.Put("models/scoring-2.onnx", version1.Build());
        await server.PublishReferenceAsync(tenant, "scoring", blobs.UriOf("models/scoring-2.onnx"), Sha256(version2.Build()));
        await WaitForRequestsAsync(blobs, "models/scoring-2.onnx", 2); // fetched, refused, tried again
        (status, body) = await InferAsync(client, "scoring", Request(Tensor("features", "FP32", [1, 8], Floats(row))));
        Assert.AreEqual(HttpStatusCode.OK, status, body?.ToJsonString());
        Assert.AreEqual("1", body!["model_version"]!.GetValue<string>(), "a blob that is not the registered one never replaces the version serving");

        // The blob is put right: the next try serves it.
        blobs.Put("models/scoring-2.onnx", version2.Build());
        await server.WaitUntilServedAsync(tenant, "scoring", 2);
        (status, body) = await InferAsync(client, "scoring", Request(Tensor("features", "FP32", [1, 8], Floats(row))));
        Assert.AreEqual(HttpStatusCode.OK, status, body?.ToJsonString());
        Assert.AreEqual(version2.Evaluate(row), Output(body!, "probability")[0]!.GetValue<float>(), 1e-5);
    }

    [TestMethod]
    public async Task A_reference_outside_the_allowed_hosts_is_never_fetched()
    {
        await using var blobs = await BlobServer.StartAsync();
        var model = LogisticModel.Random(4, seed: 3).Build();
        blobs.Put("models/elsewhere.onnx", model);
        await using var server = await InferenceServerFactory.CreateAsync(
            "storagehosts",
            new Dictionary<string, string?>
            {
                ["Ai:ModelStorage:AllowedHosts:0"] = "models.example.net",
                ["Ai:ModelStorage:AllowLoopbackHttp"] = "true",
                ["ModelServing:LoadRetryDelay"] = "00:00:00.100",
            },
            services => services.AddSingleton<TokenCredential>(new RecordingCredential()));
        var tenant = await server.AddOrganizationAsync("hosts");

        await server.PublishReferenceAsync(tenant, "elsewhere", blobs.UriOf("models/elsewhere.onnx"), Sha256(model));
        await Task.Delay(1_000);

        using var client = server.ClientFor(tenant);
        var (status, _) = await GetAsync(client, "/v2/models/elsewhere/ready");
        Assert.AreNotEqual(HttpStatusCode.OK, status, "not served");
        Assert.IsEmpty(blobs.Requests, "no request, and so no token, went to a host the operator did not allow");
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static async Task WaitForRequestsAsync(BlobServer blobs, string path, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (blobs.Requests.Count(r => r.Path == "/" + path) < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.IsGreaterThanOrEqualTo(count, blobs.Requests.Count(r => r.Path == "/" + path), $"{path} was asked for {count} times");
    }

    private sealed class RecordingCredential : TokenCredential
    {
        public ConcurrentQueue<string> Scopes { get; } = new();

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            foreach (var scope in requestContext.Scopes)
            {
                Scopes.Enqueue(scope);
            }

            return new AccessToken(StorageToken, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    /// <summary>Get Blob as Azure Storage answers it: the bytes with the right bearer token, 403 and an error code without.</summary>
    private sealed class BlobServer : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
        private readonly WebApplication _app;
        private readonly Uri _base;

        private BlobServer(WebApplication app, Uri baseUri) => (_app, _base) = (app, baseUri);

        public ConcurrentQueue<(string Path, string? Authorization, string? Version)> Requests { get; } = new();

        public static async Task<BlobServer> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0"); // a free port, read back once listening
            var app = builder.Build();
            BlobServer? server = null;
            app.MapGet("/{**path}", (HttpContext context, string path) => server!.Answer(context, path));
            await app.StartAsync();
            server = new BlobServer(app, new Uri(app.Urls.Single().TrimEnd('/') + "/"));
            return server;
        }

        public void Put(string path, byte[] bytes) => _blobs[path] = bytes;

        public Uri UriOf(string path) => new(_base, path);

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private IResult Answer(HttpContext context, string path)
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            Requests.Enqueue((context.Request.Path.Value!, authorization, context.Request.Headers["x-ms-version"].ToString()));
            if (authorization != $"Bearer {StorageToken}")
            {
                context.Response.Headers["x-ms-error-code"] = "AuthorizationPermissionMismatch";
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }

            return _blobs.TryGetValue(path, out var bytes) ? Results.Bytes(bytes, "application/octet-stream") : Results.NotFound();
        }
    }
}
