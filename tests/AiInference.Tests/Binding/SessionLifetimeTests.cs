using AiInference.Runtime;
using AiInference.Runtime.Modelling.Samples;
using TestKit;

namespace AiInference.Tests.Binding;

[TestClass]
public sealed class SessionLifetimeTests
{
    [TestMethod]
    public async Task A_thousand_sessions_created_run_and_disposed_do_not_grow_native_memory()
    {
        var runtime = await TestOnnxRuntime.LoadAsync();
        var model = TextClassifierModel.Sentiment().Build();
        var input = OnnxTensor.FromStrings(["great service", "slow delivery"], 2);
        void Cycle(int count)
        {
            for (var i = 0; i < count; i++)
            {
                using var session = runtime.CreateSession(model);
                session.Run(TextClassifierModel.InputName, input);
            }
        }

        // Warm-up: allocator arenas, thread pools and the JIT reach their steady size first.
        Cycle(100);
        var before = ResidentBytes();

        Cycle(1000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var after = ResidentBytes();

        var growth = (after - before) / (1024.0 * 1024.0);
        // A leaked session (graph, kernels, metadata) costs tens of KiB: 1,000 of them would show as tens of MiB.
        Assert.IsLessThan(16.0, growth, $"RSS grew by {growth:F1} MiB over 1,000 sessions ({before / 1048576} → {after / 1048576} MiB)");
    }

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
