namespace ApiThroughput;

/// <summary>The goals from the issue, judged on the median round of each target.</summary>
internal static class Targets
{
    /// <summary>The Api's 95th percentile latency must stay under this at the default 64 connections.</summary>
    public const double ApiP95Ms = 10;

    /// <summary>The Api must serve at least this share of the bare endpoint's requests per second.</summary>
    public const double MinThroughputRatio = 0.25;
}
