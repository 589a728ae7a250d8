using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AiInference.Runtime;
using AiInference.Runtime.Modelling.Samples;
using AppHost.Hosting.Provisioning;
using InferenceThroughput;

// usage: dotnet run -c Release --project bench/InferenceThroughput -- [--duration S] [--clients N] [--calls N] [--rounds N] [--verbose]
var duration = TimeSpan.FromSeconds(Argument("--duration", 10));
var clients = Argument("--clients", 64);
var calls = Argument("--calls", 20_000);
var rounds = Argument("--rounds", 3);
var verbose = args.Contains("--verbose");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var cache = OnnxRuntimeLibrary.DefaultCacheDirectory(OnnxRuntimeLibrary.FindRepositoryRoot(AppContext.BaseDirectory));
var library = await OnnxRuntimeLibrary.EnsureAsync(cache, Console.WriteLine, cancel.Token);
var runtime = OnnxRuntime.Load(library);
Console.WriteLine($"InferenceThroughput {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, ONNX Runtime {runtime.Version}, AiInference {InferenceServer.BuildConfiguration} build");
Console.WriteLine($"HTTP: {clients} closed-loop clients, {rounds} × {duration.TotalSeconds:0} s per target (median round); per call: {calls:N0} sequential single-row calls (median of {rounds})");

var logistic = LogisticModel.Random(256, seed: 1);
// Made once, as the Node reference does: only the tensor wrapper is created per call.
var row = LogisticRow(256);
var text = TextClassifierModel.Sentiment();
var models = new[]
{
    (Name: "logistic256", Kind: "logistic", Features: 256, Onnx: logistic.Build(),
        Input: (Func<OnnxTensor>)(() => OnnxTensor.FromFloats(row, 1, 256)),
        Body: Json(new JsonObject { ["name"] = "features", ["datatype"] = "FP32", ["shape"] = new JsonArray(1, 256), ["data"] = new JsonArray([.. LogisticRow(256).Select(v => (JsonNode)v)]) })),
    (Name: "sentiment", Kind: "text", Features: 0, Onnx: text.Build(),
        Input: () => OnnxTensor.FromStrings(["great service, fast delivery, thanks"], 1),
        Body: Json(new JsonObject { ["name"] = "text", ["datatype"] = "BYTES", ["shape"] = new JsonArray(1), ["data"] = new JsonArray("great service, fast delivery, thanks") })),
};

var results = new List<Measurement>();
await using (var server = await InferenceServer.StartAsync(library, verbose, cancel.Token))
{
    using var load = new HttpLoad(server.Url, server.Tokens.Issue(null, DateTimeOffset.UtcNow), clients);
    foreach (var model in models)
    {
        await server.PublishAsync(model.Name + "-batched", model.Onnx, maxBatchSize: 64, maxQueueDelayMicroseconds: 2000, cancel.Token);
        await server.PublishAsync(model.Name + "-unbatched", model.Onnx, maxBatchSize: 1, maxQueueDelayMicroseconds: 0, cancel.Token);
        foreach (var variant in new[] { "-batched", "-unbatched" })
        {
            var (status, body) = await load.OnceAsync(model.Name + variant, model.Body, cancel.Token);
            if (status != System.Net.HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"{model.Name}{variant}: {(int)status} {body}");
            }

            // Warm-up: JIT, connections, ORT's first runs.
            await load.RunAsync(model.Name + variant, "warm-up", model.Body, TimeSpan.FromSeconds(3), cancel.Token);
        }

        var batched = new List<Measurement>();
        var unbatched = new List<Measurement>();
        for (var round = 0; round < rounds; round++)
        {
            // Alternating, so drift on a shared machine falls on both.
            batched.Add(await Measured(server, () => load.RunAsync(model.Name + "-batched", "HTTP, batching on", model.Body, duration, cancel.Token)));
            unbatched.Add(await Measured(server, () => load.RunAsync(model.Name + "-unbatched", "HTTP, batching off", model.Body, duration, cancel.Token)));
            Console.WriteLine($"  {model.Name} round {round + 1}: batching on {batched[^1].PerSecond:N0}/s, off {unbatched[^1].PerSecond:N0}/s");
        }

        results.Add(Median(batched));
        results.Add(Median(unbatched));
    }
}

var modelFolder = Path.Combine(Path.GetTempPath(), $"inference-bench-{Environment.ProcessId}");
Directory.CreateDirectory(modelFolder);
try
{
    foreach (var model in models)
    {
        var path = Path.Combine(modelFolder, model.Name + ".onnx");
        await File.WriteAllBytesAsync(path, model.Onnx, cancel.Token);
        var raw = new List<Measurement>();
        var node = new List<Measurement>();
        for (var round = 0; round < rounds; round++)
        {
            raw.Add(RawBinding.Run(runtime, model.Name, model.Onnx, model.Input, calls, warmup: 2000));
            node.Add(await NodeReference.RunAsync(OnnxRuntimeLibrary.PackageDirectory(cache), path, model.Name, model.Kind, model.Features, calls, 2000, cancel.Token));
            Console.WriteLine($"  {model.Name} round {round + 1}: raw binding {raw[^1].PerSecond:N0} calls/s, onnxruntime-node {node[^1].PerSecond:N0} calls/s");
        }

        results.Add(Median(raw));
        results.Add(Median(node));
    }
}
finally
{
    Directory.Delete(modelFolder, recursive: true);
}

Console.WriteLine();
Console.WriteLine("| model | target | per second | p50 ms | p95 ms | errors | CPU ms per request (server / load generator) |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var r in results)
{
    var cpu = r.Cpu.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
        $"{r.Cpu.GetValueOrDefault("aiinference").TotalMilliseconds / r.Succeeded:F3} / {r.Cpu.GetValueOrDefault("load generator").TotalMilliseconds / r.Succeeded:F3}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Model} | {r.Target} | {r.PerSecond:N0} | {r.P50Ms:F3} | {r.P95Ms:F3} | {r.Errors} | {cpu} |"));
}

Console.WriteLine();
var met = true;
foreach (var model in models)
{
    double Rate(string target) => results.Single(r => r.Model.StartsWith(model.Name, StringComparison.Ordinal) && r.Target == target).PerSecond;
    var batchingGain = Rate("HTTP, batching on") / Rate("HTTP, batching off");
    // Per call: our time per call over Node's; within 10% means at most 1.10.
    var perCall = Rate("onnxruntime-node") / Rate("raw binding (C#)");
    met &= batchingGain >= 5 && perCall <= 1.10;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{model.Name}: HTTP batching on/off = {batchingGain:F2}x (target ≥ 5x: {(batchingGain >= 5 ? "met" : "NOT met")}); raw binding time per call / onnxruntime-node = {perCall:F2} (target ≤ 1.10: {(perCall <= 1.10 ? "met" : "NOT met")})"));
}

return met ? 0 : 1;

static async Task<Measurement> Measured(InferenceServer server, Func<Task<Measurement>> run)
{
    var before = Benchmarks.Shared.ProcessCpu.Read(server.Processes);
    var result = await run();
    return result with { Cpu = Benchmarks.Shared.ProcessCpu.Between(before, Benchmarks.Shared.ProcessCpu.Read(server.Processes)) };
}

Measurement Median(List<Measurement> runs) => runs.OrderBy(r => r.PerSecond).ElementAt(runs.Count / 2);

static float[] LogisticRow(int features) => [.. Enumerable.Range(0, features).Select(i => (float)Math.Sin(i))];

static byte[] Json(JsonObject input) => Encoding.UTF8.GetBytes(new JsonObject { ["inputs"] = new JsonArray(input) }.ToJsonString());

int Argument(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
