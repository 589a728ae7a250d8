namespace AiInference.Runtime;

/// <summary>Graph optimisation levels (<c>GraphOptimizationLevel</c>).</summary>
public enum GraphOptimizationLevel
{
    DisableAll = 0,
    Basic = 1,
    Extended = 2,
    Layout = 3,
    All = 99,
}

/// <summary>How a session runs: threads, graph optimisation, and raw ORT session config entries.</summary>
public sealed record SessionOptions
{
    /// <summary>Threads inside one operator; 0 = ORT's default (every physical core). 1 suits a server that runs requests concurrently.</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Threads across operators (only used with <see cref="ParallelExecution"/>); 0 = ORT's default.</summary>
    public int InterOpThreads { get; init; } = 1;

    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.All;

    /// <summary>Run independent branches of the graph in parallel (ORT_PARALLEL).</summary>
    public bool ParallelExecution { get; init; }

    /// <summary>
    /// Raw session config entries; by default ORT's worker threads do not busy-wait, which on a small
    /// shared host would burn the cores that concurrent requests need.
    /// </summary>
    public IReadOnlyDictionary<string, string> ConfigEntries { get; init; } = new Dictionary<string, string>
    {
        ["session.intra_op.allow_spinning"] = "0",
        ["session.inter_op.allow_spinning"] = "0",
    };
}
