using System.Collections.Concurrent;
using System.Net;
using AiInference.Runtime.Modelling.Samples;
using static AiInference.Tests.Serving.ProtocolClient;

namespace AiInference.Tests.Serving;

[TestClass]
public sealed class HotReloadTests
{
    [TestMethod]
    public async Task Activating_version_two_under_load_loses_no_request()
    {
        await using var server = await InferenceServerFactory.CreateAsync("hotreload");
        var tenant = await server.AddOrganizationAsync("reload");
        var versions = new Dictionary<string, LogisticModel> { ["1"] = LogisticModel.Random(16, seed: 1), ["2"] = LogisticModel.Random(16, seed: 2) };
        await server.PublishAsync(tenant, "scoring", versions["1"].Build(), maxQueueDelayMicroseconds: 1000);
        await server.WaitUntilServedAsync(tenant, "scoring", 1);
        using var client = server.ClientFor(tenant);
        float[] row = [.. Enumerable.Range(0, 16).Select(i => i / 16f)];
        var answers = new ConcurrentBag<(HttpStatusCode Status, string? Version, float Probability, string Body)>();
        using var stop = new CancellationTokenSource();

        var load = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (status, body) = await InferAsync(client, "scoring", Request(Tensor("features", "FP32", [1, 16], Floats(row))));
                answers.Add((status, body?["model_version"]?.GetValue<string>(), status == HttpStatusCode.OK ? Output(body!, "probability")[0]!.GetValue<float>() : float.NaN, body?.ToJsonString() ?? ""));
            }
        })).ToList();
        await Task.Delay(300);
        await server.PublishAsync(tenant, "scoring", versions["2"].Build(), maxQueueDelayMicroseconds: 1000);
        await server.WaitUntilServedAsync(tenant, "scoring", 2);
        await Task.Delay(300);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        var failed = answers.Where(a => a.Status != HttpStatusCode.OK).ToList();
        Assert.IsEmpty(failed, "failed: " + string.Join("; ", failed.Take(3).Select(f => $"{f.Status} {f.Body}")));
        Assert.IsTrue(answers.Any(a => a.Version == "1") && answers.Any(a => a.Version == "2"), "requests were answered by both versions");
        foreach (var answer in answers)
        {
            Assert.AreEqual(versions[answer.Version!].Evaluate(row), answer.Probability, 1e-5, $"answer of version {answer.Version} computed by that version");
        }
    }
}
