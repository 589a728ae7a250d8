using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace InferenceThroughput;

/// <summary>Runs node/reference.js (onnxruntime-node over the same native library) and reads its figures.</summary>
internal static class NodeReference
{
    public static async Task<Measurement> RunAsync(string packageDirectory, string modelPath, string model, string kind, int features, int calls, int warmup, CancellationToken cancellationToken)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "node", "reference.js");
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { script, packageDirectory, modelPath, kind, features.ToString(CultureInfo.InvariantCulture), calls.ToString(CultureInfo.InvariantCulture), warmup.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node reference.js failed ({process.ExitCode}): {await stderr}");
        }

        using var json = JsonDocument.Parse(await stdout);
        var root = json.RootElement;
        return new Measurement(model, "onnxruntime-node", root.GetProperty("calls").GetInt64(), 0,
            TimeSpan.FromMilliseconds(root.GetProperty("elapsedMs").GetDouble()), root.GetProperty("p50").GetDouble(), root.GetProperty("p95").GetDouble());
    }
}
