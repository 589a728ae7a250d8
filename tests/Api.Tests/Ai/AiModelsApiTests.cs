using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiInference.Runtime.Modelling.Samples;
using Api.Tests.Access;
using Platform.Access;

namespace Api.Tests.Ai;

/// <summary>Models through the Api: upload, list, activate and predict, with AiInference (in memory) answering.</summary>
[TestClass]
public sealed class AiModelsApiTests
{
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;
    private static readonly LogisticModel Churn = LogisticModel.Random(4, seed: 12);

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("ai_models", new Dictionary<string, string?> { ["Ai:ModelStorage:AllowedHosts:0"] = "models.example.net" });
        _owner = await _api.RegisterAndSignInAsync("ai-owner", "owner@ai.test");
    }

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    internal static async Task<JsonElement> UploadAndActivateAsync(HttpClient client, string name, byte[] onnx)
    {
        var uploaded = await client.PostAsJsonAsync("/api/v1/ai/models", new { name, modelType = "logistic", onnx = Convert.ToBase64String(onnx), metrics = new { auc = 0.91 } });
        Assert.AreEqual(HttpStatusCode.Created, uploaded.StatusCode, await uploaded.Content.ReadAsStringAsync());
        var model = await uploaded.Content.ReadFromJsonAsync<JsonElement>();
        var activated = await client.PostAsync($"/api/v1/ai/models/{name}/versions/{model.GetProperty("version").GetInt32()}/activate", null);
        Assert.AreEqual(HttpStatusCode.OK, activated.StatusCode, await activated.Content.ReadAsStringAsync());
        return await activated.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A prediction through the Api, waiting out the moment AiInference loads a version just activated (503 model_loading).</summary>
    internal static async Task<HttpResponseMessage> InferAsync(HttpClient client, string name, object request)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await client.PostAsJsonAsync($"/api/v1/ai/models/{name}/infer", request);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 100)
            {
                return response;
            }

            StringAssert.Contains(await response.Content.ReadAsStringAsync(), "model_loading");
            await Task.Delay(100);
        }
    }

    [TestMethod]
    public async Task An_uploaded_and_activated_model_is_listed_and_predicts_through_the_api()
    {
        var model = await UploadAndActivateAsync(_owner.Client, "churn", Churn.Build());
        float[] row = [0.5f, -1, 0.25f, 2];

        var list = await _owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/ai/models");
        var predicted = await InferAsync(_owner.Client, "churn",
            new { id = "r1", inputs = new[] { new { name = "features", datatype = "FP32", shape = new[] { 1, 4 }, data = row } } });

        Assert.IsTrue(model.GetProperty("isActive").GetBoolean());
        Assert.AreEqual("organization", model.GetProperty("scope").GetString());
        var listed = list.GetProperty("items").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "churn");
        Assert.AreEqual(0.91, listed.GetProperty("metrics").GetProperty("auc").GetDouble(), 1e-9);
        Assert.AreEqual(HttpStatusCode.OK, predicted.StatusCode, await predicted.Content.ReadAsStringAsync());
        var answer = await predicted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual("r1", answer.GetProperty("id").GetString());
        Assert.AreEqual(Churn.Evaluate(row), answer.GetProperty("outputs")[0].GetProperty("data")[0].GetSingle(), 1e-5);
    }

    [TestMethod]
    public async Task Input_the_model_refuses_is_a_problem_with_the_servers_reason()
    {
        await UploadAndActivateAsync(_owner.Client, "strict", Churn.Build());

        var response = await InferAsync(_owner.Client, "strict",
            new { inputs = new[] { new { name = "features", datatype = "FP32", shape = new[] { 1, 3 }, data = new[] { 1f, 2f, 3f } } } });

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual("inference_rejected", problem.GetProperty("code").GetString());
        StringAssert.Contains(problem.GetProperty("detail").GetString(), "expects [-1,4]");
    }

    [TestMethod]
    public async Task Unknown_models_and_versions_are_not_found()
    {
        var infer = await _owner.Client.PostAsJsonAsync("/api/v1/ai/models/nothing-here/infer",
            new { inputs = new[] { new { name = "x", datatype = "FP32", shape = new[] { 1 }, data = new[] { 1f } } } });
        var activate = await _owner.Client.PostAsync("/api/v1/ai/models/nothing-here/versions/3/activate", null);

        Assert.AreEqual(HttpStatusCode.NotFound, infer.StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, activate.StatusCode);
    }

    [TestMethod]
    public async Task A_model_by_storage_reference_is_stored_with_its_checksum_and_bad_references_get_field_errors()
    {
        var sha = new string('a', 64);
        var stored = await _owner.Client.PostAsJsonAsync("/api/v1/ai/models", new { name = "big-ranker", modelType = "onnx", storageUri = "https://models.example.net/ranker/7.onnx", sha256 = sha });
        Assert.AreEqual(HttpStatusCode.Created, stored.StatusCode, await stored.Content.ReadAsStringAsync());
        var model = await stored.Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual("https://models.example.net/ranker/7.onnx", model.GetProperty("storageUri").GetString());
        Assert.AreEqual(sha, model.GetProperty("sha256").GetString());

        foreach (var (body, field, says) in new (object Body, string Field, string Says)[]
        {
            (new { name = "r1", modelType = "onnx", storageUri = "https://attacker.example.org/steal", sha256 = sha }, "storageUri", "models.example.net"),
            (new { name = "r2", modelType = "onnx", storageUri = "http://models.example.net/plain.onnx", sha256 = sha }, "storageUri", "https"),
            (new { name = "r3", modelType = "onnx", storageUri = "https://models.example.net/x.onnx", sha256 = "ABC" }, "sha256", "SHA-256"),
            (new { name = "r4", modelType = "onnx", storageUri = "https://models.example.net/x.onnx", sha256 = sha, onnx = Convert.ToBase64String(Churn.Build()) }, "onnx", "not both"),
            (new { name = "r5", modelType = "onnx", storageUri = "not a url", sha256 = sha }, "storageUri", "https URL"),
        })
        {
            var refused = await _owner.Client.PostAsJsonAsync("/api/v1/ai/models", body);
            Assert.AreEqual(HttpStatusCode.BadRequest, refused.StatusCode);
            var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.IsTrue(errors.TryGetProperty(field, out var messages), $"{field} has an error: {errors}");
            StringAssert.Contains(messages[0].GetString(), says);
        }
    }

    [TestMethod]
    public async Task Uploads_with_bad_fields_get_field_errors()
    {
        var response = await _owner.Client.PostAsJsonAsync("/api/v1/ai/models", new { name = "Bad Name!", modelType = "", onnx = "%%%", maxBatchSize = 0 });

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "name", "modelType", "onnx", "maxBatchSize" })
        {
            Assert.IsTrue(errors.TryGetProperty(field, out _), $"{field} has an error: {errors}");
        }
    }

    [TestMethod]
    public async Task A_key_that_may_only_read_models_can_neither_upload_nor_predict()
    {
        var key = await ApiKeyTests.CreateKeyAsync(_api, _owner, "ai-reader", [Permissions.Ai.Read]);
        using var client = _api.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-Api-Key", key);

        var list = await client.GetAsync("/api/v1/ai/models");
        var upload = await client.PostAsJsonAsync("/api/v1/ai/models", new { name = "sneaky", modelType = "x", onnx = Convert.ToBase64String(Churn.Build()) });
        var infer = await client.PostAsJsonAsync("/api/v1/ai/models/churn/infer",
            new { inputs = new[] { new { name = "features", datatype = "FP32", shape = new[] { 1, 4 }, data = new float[4] } } });

        Assert.AreEqual(HttpStatusCode.OK, list.StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, upload.StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, infer.StatusCode);
    }
}
