namespace Platform.Workflows;

/// <summary>How workflows execute (section <c>Workflows</c>).</summary>
public sealed class WorkflowOptions
{
    public const string SectionName = "Workflows";

    /// <summary>Executions running at once per organization; more wait queued (delays do not count while they wait).</summary>
    public int MaxConcurrentExecutionsPerTenant { get; set; } = 10;

    /// <summary>Executions one Workers process runs at once.</summary>
    public int MaxConcurrentExecutionsPerWorker { get; set; } = 16;

    /// <summary>How long a Worker's claim on an execution lasts without a heartbeat; past it, another Worker resumes the execution.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often an idle Worker looks for due executions (a notification wakes it sooner).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The retry policy of nodes that set none.</summary>
    public RetryPolicy DefaultRetry { get; set; } = new();

    /// <summary>How long one attempt of a node may run when the node sets no timeout.</summary>
    public TimeSpan DefaultStepTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Cron schedules: the Quartz scheduler name shared by every Workers replica (one clustered schedule).</summary>
    public string SchedulerName { get; set; } = "workflows";

    /// <summary>How often the Workers align Quartz's triggers with the published cron workflows.</summary>
    public TimeSpan ScheduleSyncInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a Quartz node checks in; a node silent for longer has its fired triggers recovered by another.</summary>
    public TimeSpan SchedulerCheckinInterval { get; set; } = TimeSpan.FromSeconds(7.5);

    /// <summary>Whether these Workers run the cron scheduler at all.</summary>
    public bool RunScheduler { get; set; } = true;

    /// <summary>
    /// The SSRF allow-list of <c>http.request</c> steps: CIDR networks, single addresses or exact host names they may
    /// reach although private, loopback or link-local (empty by default: public addresses only).
    /// </summary>
    public List<string> AllowedTargets { get; init; } = [];
}
