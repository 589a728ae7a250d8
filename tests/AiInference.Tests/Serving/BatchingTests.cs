using System.Net;
using System.Text.Json.Nodes;
using AiInference.Runtime.Modelling.Samples;
using static AiInference.Tests.Serving.ProtocolClient;

namespace AiInference.Tests.Serving;

[TestClass]
public sealed class BatchingTests
{
    private static InferenceServerFactory _server = null!;
    private static Guid _tenant;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _server = await InferenceServerFactory.CreateAsync("batching");
        _tenant = await _server.AddOrganizationAsync("batch");
        await _server.PublishAsync(_tenant, "batched-logistic", LogisticModel.Random(32, seed: 5).Build(), maxBatchSize: 64, maxQueueDelayMicroseconds: 5000);
        await _server.PublishAsync(_tenant, "unbatched-logistic", LogisticModel.Random(32, seed: 5).Build(), maxBatchSize: 1);
        await _server.PublishAsync(_tenant, "batched-text", TextClassifierModel.Sentiment().Build(), maxBatchSize: 64, maxQueueDelayMicroseconds: 5000);
        await _server.WaitUntilServedAsync(_tenant, "batched-logistic", 1);
        await _server.WaitUntilServedAsync(_tenant, "unbatched-logistic", 1);
        await _server.WaitUntilServedAsync(_tenant, "batched-text", 1);
    }

    [ClassCleanup]
    public static async Task Stop() => await _server.DisposeAsync();

    [TestMethod]
    public async Task Two_hundred_concurrent_requests_answer_as_sequential_runs_do_in_batches()
    {
        using var batches = new BatchSizeRecorder("batched-logistic");
        using var client = _server.ClientFor(_tenant);
        var requests = Enumerable.Range(0, 200).Select(i =>
            Request(Tensor("features", "FP32", [1 + (i % 3), 32], Floats(Enumerable.Range(0, (1 + (i % 3)) * 32).Select(j => (float)Math.Cos((i * 31) + j)))))).ToList();

        var sequential = new List<JsonNode>();
        foreach (var request in requests)
        {
            sequential.Add(await Answer(client, "unbatched-logistic", request));
        }

        var concurrent = await Task.WhenAll(requests.Select(r => Answer(client, "batched-logistic", r)));

        for (var i = 0; i < requests.Count; i++)
        {
            var expected = Output(sequential[i], "probability").Select(v => v!.GetValue<float>()).ToArray();
            var actual = Output(concurrent[i], "probability").Select(v => v!.GetValue<float>()).ToArray();
            Assert.HasCount(expected.Length, actual, $"request {i} gets its own rows back");
            for (var r = 0; r < expected.Length; r++)
            {
                // A batched GEMM may sum in another order than a one-row run: equal to float rounding.
                Assert.AreEqual(expected[r], actual[r], 1e-6, $"request {i} row {r}");
            }
        }

        Assert.IsGreaterThan(1, batches.Sizes.Max(), $"batch sizes seen: {string.Join(',', batches.Sizes)}");
        Assert.AreEqual(200, batches.Sizes.Sum(), "every request ran in exactly one batch");
    }

    [TestMethod]
    public async Task Concurrent_text_requests_are_batched_and_answer_as_alone()
    {
        using var batches = new BatchSizeRecorder("batched-text");
        using var client = _server.ClientFor(_tenant);
        string[] words = ["good", "bad", "slow", "great", "order", "refund", "fine", "love", "broken", "thanks"];
        var texts = Enumerable.Range(0, 200).Select(i => string.Join(' ', Enumerable.Range(0, 1 + (i % 7)).Select(j => words[((i * 7) + (j * 3)) % words.Length]))).ToList();
        var model = TextClassifierModel.Sentiment();

        var answers = await Task.WhenAll(texts.Select(t => Answer(client, "batched-text", Request(Tensor("text", "BYTES", [1], Strings([t]))))));

        for (var i = 0; i < texts.Count; i++)
        {
            var expected = model.Evaluate(texts[i]);
            var actual = Output(answers[i], "probabilities");
            for (var k = 0; k < 3; k++)
            {
                Assert.AreEqual(expected[k], actual[k]!.GetValue<float>(), 1e-5, $"text {i} ('{texts[i]}') class {k}");
            }
        }

        Assert.IsGreaterThan(1, batches.Sizes.Max(), $"batch sizes seen: {string.Join(',', batches.Sizes)}");
    }

    [TestMethod]
    public async Task A_bad_request_in_a_batch_fails_alone()
    {
        using var client = _server.ClientFor(_tenant);
        var good = Enumerable.Range(0, 30).Select(_ => Request(Tensor("features", "FP32", [1, 32], Floats(new float[32])))).ToList();
        // Valid JSON and shape, so it is queued with the others; NaN is not JSON, so a huge value must do: it still runs.
        var tasks = good.Select(r => ProtocolClient.InferAsync(client, "batched-logistic", r)).ToList();
        tasks.Add(ProtocolClient.PostAsync(client, "/v2/models/batched-logistic/infer", """{"inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 31], "data": [0]}]}"""));

        var results = await Task.WhenAll(tasks);

        Assert.AreEqual(30, results.Count(r => r.Status == HttpStatusCode.OK));
        Assert.AreEqual(HttpStatusCode.BadRequest, results[^1].Status);
    }

    private static async Task<JsonNode> Answer(HttpClient client, string model, JsonObject request)
    {
        var (status, body) = await ProtocolClient.InferAsync(client, model, request);
        Assert.AreEqual(HttpStatusCode.OK, status, body?.ToJsonString());
        return body!;
    }
}
