using AiInference.Runtime;
using AiInference.Runtime.Modelling.Samples;
using TestKit;

namespace AiInference.Tests.Binding;

// RSS is the whole process's: measured alone, after the parallel classes, so their servers do not count.
[TestClass]
[DoNotParallelize]
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
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = ResidentBytes();

        Cycle(1000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var after = ResidentBytes();

        var growth = (after - before) / (1024.0 * 1024.0);
        Console.WriteLine($"RSS {before / 1048576.0:F1} MiB → {after / 1048576.0:F1} MiB over 1,000 sessions ({growth:F1} MiB)");
        // Alone this measures ~3 MiB (allocator arenas settling); a leaked session (graph, kernels, names) costs
        // 50+ KiB, so 1,000 of them would add 50+ MiB. The margin absorbs idle servers of other test classes.
        Assert.IsLessThan(24.0, growth, $"RSS grew by {growth:F1} MiB over 1,000 sessions ({before / 1048576} → {after / 1048576} MiB)");
    }

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
