using System.Globalization;

namespace QueueThroughput;

/// <summary>What to measure and for how long; every value has a default, so no argument is needed.</summary>
internal sealed record BenchmarkOptions
{
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Competing consumers of the queue (each a <c>MessageConsumer</c> loop, as a Workers replica runs them).</summary>
    public int Consumers { get; init; } = 4;

    /// <summary>
    /// Concurrent producers writing one event per transaction, as requests do. Each waits for its commit to reach the
    /// disk, so a few of them measure the disk's flush latency rather than the pipeline: enough to keep it saturated.
    /// </summary>
    public int Producers { get; init; } = 16;

    /// <summary>The offered rate of the latency phase, messages/s (the throughput target).</summary>
    public int Rate { get; init; } = Targets.MinMessagesPerSecond;

    /// <summary>Organizations the events are spread over (the queue takes them in turns).</summary>
    public int Organizations { get; init; } = 20;

    /// <summary>Consumers handle a claimed batch in one transaction (the mode of the platform's database-only consumers); off: one per message.</summary>
    public bool SharedTransaction { get; init; } = true;

    public bool Verbose { get; init; }

    /// <summary>Print the statements PostgreSQL spent the saturation phase on (pg_stat_statements), to see where the time goes.</summary>
    public bool Statements { get; init; }

    public const string Usage = """
        usage: dotnet run -c Release --project bench/QueueThroughput -- [options]
          --duration SECONDS    measured time of each phase (default 15)
          --warmup SECONDS      unmeasured load before each phase (default 5)
          --consumers N         competing queue consumers (default 4)
          --producers N         concurrent producers in the saturation phase (default 16)
          --rate N              offered messages/s in the latency phase (default 2000)
          --organizations N     organizations the events are spread over (default 20)
          --per-message         one consumer transaction per message, not per claimed batch
          --statements          after the saturation phase, the statements PostgreSQL spent it on
          --verbose             stream PostgreSQL's output
        """;

    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            int Positive() => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{args[i - 1]} takes a positive whole number.\n{Usage}");

            options = args[i] switch
            {
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Positive()) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Positive()) },
                "--consumers" => options with { Consumers = Positive() },
                "--producers" => options with { Producers = Positive() },
                "--rate" => options with { Rate = Positive() },
                "--organizations" => options with { Organizations = Positive() },
                "--per-message" => options with { SharedTransaction = false },
                "--statements" => options with { Statements = true },
                "--verbose" => options with { Verbose = true },
                _ => throw new ArgumentException($"Unknown argument {args[i]}.\n{Usage}"),
            };
        }

        return options;
    }
}
