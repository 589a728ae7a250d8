using System.Net;
using System.Text.Json.Nodes;
using AiInference.Runtime.Modelling.Samples;
using static AiInference.Tests.Serving.ProtocolClient;

namespace AiInference.Tests.Serving;

[TestClass]
public sealed class ProtocolTests
{
    private static InferenceServerFactory _server = null!;
    private static Guid _tenant;
    private static Guid _otherTenant;
    private static readonly LogisticModel Logistic = LogisticModel.Random(8, seed: 21);
    private static readonly TextClassifierModel Text = TextClassifierModel.Sentiment();

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _server = await InferenceServerFactory.CreateAsync("protocol");
        _tenant = await _server.AddOrganizationAsync("acme");
        _otherTenant = await _server.AddOrganizationAsync("globex");
        await _server.PublishAsync(_tenant, "churn", Logistic.Build());
        await _server.PublishAsync(_tenant, "sentiment", Text.Build());
        await _server.PublishAsync(_tenant, "identity", ProbeModels.Identity());
        await _server.PublishAsync(_tenant, "zipmap", ProbeModels.LinearClassifierWithZipMap());
        await _server.PublishPlatformAsync("shared-trees", TreeEnsembleModel.Random().Build());
        await _server.WaitUntilServedAsync(_tenant, "churn", 1);
        await _server.WaitUntilServedAsync(_tenant, "sentiment", 1);
        await _server.WaitUntilServedAsync(_tenant, "identity", 1);
        await _server.WaitUntilServedAsync(_tenant, "zipmap", 1);
        await _server.WaitUntilServedAsync(null, "shared-trees", 1);
    }

    [ClassCleanup]
    public static async Task Stop() => await _server.DisposeAsync();

    [TestMethod]
    public async Task Health_and_server_metadata_answer_without_credentials()
    {
        using var anonymous = _server.CreateClient();

        var live = await GetAsync(anonymous, "/v2/health/live");
        var ready = await GetAsync(anonymous, "/v2/health/ready");
        var metadata = await GetAsync(anonymous, "/v2");

        Assert.IsTrue(live.Body!["live"]!.GetValue<bool>());
        Assert.IsTrue(ready.Body!["ready"]!.GetValue<bool>());
        Assert.AreEqual("aiinference", metadata.Body!["name"]!.GetValue<string>());
        Assert.AreEqual("1.30.0", metadata.Body!["version"]!.GetValue<string>());
        Assert.IsNotNull(metadata.Body!["extensions"]!.AsArray());
    }

    [TestMethod]
    public async Task Model_metadata_lists_typed_inputs_and_outputs()
    {
        using var client = _server.ClientFor(_tenant);

        var (status, body) = await GetAsync(client, "/v2/models/sentiment");

        Assert.AreEqual(HttpStatusCode.OK, status);
        Assert.AreEqual("sentiment", body!["name"]!.GetValue<string>());
        Assert.AreEqual("onnx_onnxv1", body["platform"]!.GetValue<string>());
        CollectionAssert.AreEqual(new[] { "1" }, body["versions"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray());
        var input = body["inputs"]![0]!;
        Assert.AreEqual("text", input["name"]!.GetValue<string>());
        Assert.AreEqual("BYTES", input["datatype"]!.GetValue<string>());
        CollectionAssert.AreEqual(new long[] { -1 }, input["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray());
        var probabilities = body["outputs"]!.AsArray().Single(o => o!["name"]!.GetValue<string>() == "probabilities")!;
        Assert.AreEqual("FP32", probabilities["datatype"]!.GetValue<string>());
        CollectionAssert.AreEqual(new long[] { -1, 3 }, probabilities["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray());
    }

    [TestMethod]
    public async Task Model_readiness_by_name_and_by_version()
    {
        using var client = _server.ClientFor(_tenant);

        var byName = await GetAsync(client, "/v2/models/churn/ready");
        var byVersion = await GetAsync(client, "/v2/models/churn/versions/1/ready");

        Assert.IsTrue(byName.Body!["ready"]!.GetValue<bool>());
        Assert.AreEqual("churn", byVersion.Body!["name"]!.GetValue<string>());
        Assert.IsTrue(byVersion.Body!["ready"]!.GetValue<bool>());
    }

    [TestMethod]
    public async Task Infer_logistic_rows_match_the_model_evaluated_in_csharp()
    {
        using var client = _server.ClientFor(_tenant);
        var rows = Enumerable.Range(0, 3 * 8).Select(i => (float)Math.Sin(i)).ToArray();
        var request = Request(Tensor("features", "FP32", [3, 8], Floats(rows)));
        request["id"] = "req-42";

        var (status, body) = await InferAsync(client, "churn", request);

        Assert.AreEqual(HttpStatusCode.OK, status, body?.ToJsonString());
        Assert.AreEqual("churn", body!["model_name"]!.GetValue<string>());
        Assert.AreEqual("1", body["model_version"]!.GetValue<string>());
        Assert.AreEqual("req-42", body["id"]!.GetValue<string>());
        var output = body["outputs"]![0]!;
        Assert.AreEqual("FP32", output["datatype"]!.GetValue<string>());
        CollectionAssert.AreEqual(new long[] { 3, 1 }, output["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray());
        for (var r = 0; r < 3; r++)
        {
            Assert.AreEqual(Logistic.Evaluate(rows.AsSpan(r * 8, 8)), output["data"]![r]!.GetValue<float>(), 1e-5);
        }
    }

    [TestMethod]
    public async Task Infer_accepts_data_nested_in_the_tensor_shape()
    {
        using var client = _server.ClientFor(_tenant);
        var row = Enumerable.Range(0, 8).Select(i => i / 10f).ToArray();
        var request = Request(Tensor("features", "FP32", [1, 8], new JsonArray(Floats(row))));

        var (status, body) = await InferAsync(client, "churn", request, version: "1");

        Assert.AreEqual(HttpStatusCode.OK, status, body?.ToJsonString());
        Assert.AreEqual(Logistic.Evaluate(row), Output(body!, "probability")[0]!.GetValue<float>(), 1e-5);
    }

    [TestMethod]
    public async Task Infer_text_classifier_with_a_bytes_tensor_and_chosen_outputs()
    {
        using var client = _server.ClientFor(_tenant);
        string[] texts = ["Great and fast, thanks!", "broken order, terrible"];
        var request = Request(Tensor("text", "BYTES", [2], Strings(texts)));
        request["outputs"] = new JsonArray(new JsonObject { ["name"] = "probabilities" });

        var (status, body) = await InferAsync(client, "sentiment", request);

        Assert.AreEqual(HttpStatusCode.OK, status, body?.ToJsonString());
        Assert.HasCount(1, body!["outputs"]!.AsArray());
        var data = Output(body, "probabilities");
        for (var i = 0; i < texts.Length; i++)
        {
            var expected = Text.Evaluate(texts[i]);
            for (var k = 0; k < 3; k++)
            {
                Assert.AreEqual(expected[k], data[(i * 3) + k]!.GetValue<float>(), 1e-5);
            }
        }
    }

    [TestMethod]
    public async Task Every_datatype_round_trips_through_the_protocol()
    {
        using var client = _server.ClientFor(_tenant);
        var request = Request(
            Tensor("in_float", "FP32", [1, 2], new JsonArray(1.5f, -2f)),
            Tensor("in_double", "FP64", [1, 2], new JsonArray(Math.PI, -1e300)),
            Tensor("in_int32", "INT32", [1, 2], new JsonArray(int.MinValue, 7)),
            Tensor("in_int64", "INT64", [1, 2], new JsonArray(long.MaxValue, -3L)),
            Tensor("in_bool", "BOOL", [1, 2], new JsonArray(true, false)),
            Tensor("in_string", "BYTES", [1, 2], new JsonArray("héllo", "")));

        var (status, body) = await InferAsync(client, "identity", request);

        Assert.AreEqual(HttpStatusCode.OK, status, body?.ToJsonString());
        foreach (var input in request["inputs"]!.AsArray())
        {
            var name = "out_" + input!["name"]!.GetValue<string>()[3..];
            var output = body!["outputs"]!.AsArray().Single(o => o!["name"]!.GetValue<string>() == name)!;
            Assert.AreEqual(input["datatype"]!.GetValue<string>(), output["datatype"]!.GetValue<string>(), name);
            Assert.AreEqual(input["data"]!.ToJsonString(), output["data"]!.ToJsonString(), name);
        }
    }

    [TestMethod]
    public async Task ZipMap_probabilities_come_back_as_a_float_tensor_with_their_class_keys()
    {
        using var client = _server.ClientFor(_tenant);

        var (status, body) = await InferAsync(client, "zipmap", Request(Tensor("features", "FP32", [1, 3], new JsonArray(1f, 0f, 0f))));

        Assert.AreEqual(HttpStatusCode.OK, status, body?.ToJsonString());
        var output = body!["outputs"]!.AsArray().Single(o => o!["name"]!.GetValue<string>() == "probabilities")!;
        Assert.AreEqual("10,20,30", output["parameters"]!["keys"]!.GetValue<string>());
        CollectionAssert.AreEqual(new long[] { 1, 3 }, output["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray());
        Assert.AreEqual(0.6485, output["data"]![0]!.GetValue<float>(), 1e-4);
    }

    [TestMethod]
    public async Task A_platform_model_serves_every_organization()
    {
        var trees = TreeEnsembleModel.Random();
        float[] row = [0.2f, 0.9f, 0.4f, 0.6f];
        foreach (var tenant in new Guid?[] { _tenant, _otherTenant, null })
        {
            using var client = _server.ClientFor(tenant);

            var (status, body) = await InferAsync(client, "shared-trees", Request(Tensor("features", "FP32", [1, 4], Floats(row))));

            Assert.AreEqual(HttpStatusCode.OK, status, body?.ToJsonString());
            Assert.AreEqual(trees.Evaluate(row).Label, Output(body!, "label")[0]!.GetValue<long>());
        }
    }

    [TestMethod]
    public async Task Another_organizations_model_is_not_found()
    {
        using var other = _server.ClientFor(_otherTenant);
        using var platformOnly = _server.ClientFor(null);

        var infer = await InferAsync(other, "churn", Request(Tensor("features", "FP32", [1, 8], Floats(new float[8]))));
        var metadata = await GetAsync(platformOnly, "/v2/models/churn");

        Assert.AreEqual(HttpStatusCode.NotFound, infer.Status);
        Assert.AreEqual("model 'churn' not found", infer.Body!["error"]!.GetValue<string>());
        Assert.AreEqual(HttpStatusCode.NotFound, metadata.Status);
    }

    [TestMethod]
    public async Task Model_endpoints_refuse_requests_without_a_valid_service_token()
    {
        using var anonymous = _server.CreateClient();
        using var forged = _server.CreateClient();
        var otherKey = new Platform.Ai.ServiceTokens(new Platform.Ai.ServiceTokenOptions { SigningKey = new string('k', 64) });
        forged.DefaultRequestHeaders.Authorization = new("Bearer", otherKey.Issue(_tenant, DateTimeOffset.UtcNow));
        using var expired = _server.CreateClient();
        expired.DefaultRequestHeaders.Authorization = new("Bearer", _server.Tokens.Issue(_tenant, DateTimeOffset.UtcNow.AddHours(-1)));

        foreach (var client in new[] { anonymous, forged, expired })
        {
            var (status, body) = await GetAsync(client, "/v2/models/churn");

            Assert.AreEqual(HttpStatusCode.Unauthorized, status);
            Assert.IsFalse(string.IsNullOrEmpty(body!["error"]!.GetValue<string>()));
        }
    }

    public static IEnumerable<object[]> BadRequests =>
    [
        ["not json", "not valid JSON"],
        ["[1,2]", "JSON object"],
        ["""{"inputs": []}""", "non-empty array"],
        ["""{"inputs": [{"name": "featurez", "datatype": "FP32", "shape": [1, 8], "data": [0,0,0,0,0,0,0,0]}]}""", "unknown input 'featurez'"],
        ["""{"inputs": [{"name": "features", "datatype": "FP64", "shape": [1, 8], "data": [0,0,0,0,0,0,0,0]}]}""", "expects FP32"],
        ["""{"inputs": [{"name": "features", "datatype": "FP16", "shape": [1, 8], "data": [0,0,0,0,0,0,0,0]}]}""", "not supported"],
        ["""{"inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 7], "data": [0,0,0,0,0,0,0]}]}""", "expects [-1,8]"],
        ["""{"inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 8], "data": [0,0,0]}]}""", "3 data elements"],
        ["""{"inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 8], "data": [0,0,0,0,0,0,0,"x"]}]}""", "not a valid FP32"],
        ["""{"inputs": [{"name": "features", "datatype": "FP32", "shape": [-1, 8], "data": []}]}""", "non-negative"],
        ["""{"inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 8]}]}""", "no 'data'"],
        ["""{"inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 8], "data": [0,0,0,0,0,0,0,0]}], "outputs": [{"name": "nope"}]}""", "unknown output 'nope'"],
        ["""{"id": 5, "inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 8], "data": [0,0,0,0,0,0,0,0]}]}""", "'id' must be a string"],
    ];

    [TestMethod]
    [DynamicData(nameof(BadRequests))]
    public async Task Bad_requests_get_400_with_the_protocol_error_shape(string body, string expected)
    {
        using var client = _server.ClientFor(_tenant);

        var (status, answer) = await PostAsync(client, "/v2/models/churn/infer", body);

        Assert.AreEqual(HttpStatusCode.BadRequest, status);
        StringAssert.Contains(answer!["error"]!.GetValue<string>(), expected);
    }

    [TestMethod]
    public async Task A_shape_too_large_to_count_is_refused_without_allocating_it()
    {
        using var client = _server.ClientFor(_tenant);

        var (status, answer) = await PostAsync(client, "/v2/models/identity/infer",
            """{"inputs": [{"name": "in_float", "datatype": "FP32", "shape": [4294967296, 4294967296], "data": [1]}]}""");

        Assert.AreEqual(HttpStatusCode.BadRequest, status);
        StringAssert.Contains(answer!["error"]!.GetValue<string>(), "too large");
    }

    [TestMethod]
    public async Task In_development_the_sample_models_are_seeded_as_platform_models()
    {
        using var client = _server.ClientFor(_otherTenant);
        await _server.WaitUntilServedAsync(_otherTenant, "sample-sentiment", 1);

        var (status, body) = await InferAsync(client, "sample-sentiment", Request(Tensor("text", "BYTES", [1], Strings(["terrible, broken, refund"]))));

        Assert.AreEqual(HttpStatusCode.OK, status, body?.ToJsonString());
        Assert.AreEqual(0, Output(body!, "label")[0]!.GetValue<long>(), "negative");
    }

    [TestMethod]
    public async Task A_version_that_is_not_served_is_not_found()
    {
        using var client = _server.ClientFor(_tenant);

        var (status, body) = await InferAsync(client, "churn", Request(Tensor("features", "FP32", [1, 8], Floats(new float[8]))), version: "7");

        Assert.AreEqual(HttpStatusCode.NotFound, status);
        StringAssert.Contains(body!["error"]!.GetValue<string>(), "version '7'");
    }
}
