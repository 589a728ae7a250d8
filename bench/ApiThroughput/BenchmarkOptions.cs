using System.Globalization;

namespace ApiThroughput;

/// <summary>What to measure and for how long; every value has a default, so no argument is needed.</summary>
internal sealed record BenchmarkOptions
{
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Least unmeasured load per target; warm-up goes on until throughput settles (see ThroughputComparison).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(20);

    public int Connections { get; init; } = 64;

    /// <summary>Measured runs per target, alternating bare/api; odd so the median round is a real round.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>Members added to the organization besides its owner, so the list has realistic content.</summary>
    public int Members { get; init; } = 20;

    /// <summary>Rate limiting stays in the request path (as in production) with budgets no run can exhaust; off removes it.</summary>
    public bool RateLimiting { get; init; } = true;

    /// <summary>Stream the servers' output instead of keeping it for failure reports only.</summary>
    public bool Verbose { get; init; }

    public const string Usage = """
        usage: dotnet run -c Release --project bench/ApiThroughput -- [options]
          --duration SECONDS      measured time per run (default 15)
          --warmup SECONDS        least unmeasured load per target before the first round (default 20);
                                  it goes on in 5 s windows until two agree within 10% (at most 60 s)
          --connections N         concurrent connections and workers (default 64)
          --rounds N              measured runs per target, alternating bare/api (default 3)
          --members N             extra members in the listed organization (default 20)
          --rate-limiting on|off  keep the Api's rate limiter in the path with huge budgets (default on)
          --verbose               stream PostgreSQL, Redis and service output
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
                "--connections" => options with { Connections = Positive() },
                "--rounds" => options with { Rounds = Positive() },
                "--members" => options with { Members = Positive() },
                "--rate-limiting" => options with
                {
                    RateLimiting = Next() switch
                    {
                        "on" => true,
                        "off" => false,
                        _ => throw new ArgumentException($"--rate-limiting takes on or off.\n{Usage}"),
                    },
                },
                "--verbose" => options with { Verbose = true },
                _ => throw new ArgumentException($"Unknown argument {args[i]}.\n{Usage}"),
            };
        }

        return options;
    }
}
