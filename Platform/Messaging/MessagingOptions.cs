namespace Platform.Messaging;

/// <summary>How events are routed and consumed (section <c>Messaging</c>).</summary>
public sealed class MessagingOptions
{
    public const string SectionName = "Messaging";

    /// <summary>
    /// Where queues live: <c>postgres</c> (default, <see cref="PostgresQueueTransport"/>) or <c>servicebus</c>
    /// (<see cref="ServiceBus.ServiceBusRestTransport"/>, configured under <c>Messaging:ServiceBus</c>).
    /// </summary>
    public string Transport { get; set; } = "postgres";

    /// <summary>
    /// Which queues receive which event types: a type, a prefix ending in <c>.*</c> (<c>customer.*</c>), or <c>*</c>.
    /// Every event goes to each queue with a matching pattern (one queue per consuming module); an event no route
    /// matches leaves the outbox and goes nowhere, so a route must only name a queue something consumes.
    /// </summary>
    public Dictionary<string, string[]> Routes { get; init; } = new(StringComparer.Ordinal)
    {
        // The Workers' notifications consumer tells members about changes to their roles.
        ["notifications"] = ["member.role_assigned", "member.role_unassigned"],
        // The Workers' webhooks consumer offers every published event to the organization's subscribed endpoints; only the
        // catalogue's types: internal deliveries (email.send, which may carry one-time codes) must not pass through it.
        ["webhooks"] = [.. EventTypes.All.Select(definition => definition.Type)],
        // The Workers' email consumer delivers queued emails (Email.EmailService).
        ["email"] = ["email.send"],
        // The Workers' workflow trigger starts the organization's workflows subscribed to a published event type.
        ["workflows"] = [.. EventTypes.All.Select(definition => definition.Type)],
    };

    /// <summary>Events the relay publishes per round.</summary>
    public int RelayBatchSize { get; set; } = 200;

    /// <summary>Messages a consumer claims at once.</summary>
    public int ReceiveBatchSize { get; set; } = 20;

    /// <summary>
    /// Messages a consumer with <see cref="MessageConsumer.SharedTransaction"/> claims at once: its handlers only write to
    /// the database, so a batch is quick to handle, and a claim (which takes its turn among organizations) is paid for by more messages.
    /// Keep it under 64: each message's savepoint is a subtransaction, and past 64 in one transaction PostgreSQL stops
    /// caching them and every session's snapshots get slower.
    /// </summary>
    public int SharedTransactionBatchSize { get; set; } = 50;

    /// <summary>How long a claimed message stays hidden from other consumers; it comes back if not settled by then.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Deliveries before a message goes to the dead letters.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Delay before the first retry; doubling per attempt, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Longest an idle consumer sleeps without a notification (notifications wake it sooner).</summary>
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an idle relay waits before looking at the outbox again: the most an event waits to be published. Polling
    /// the outbox by its position index is cheap; a NOTIFY per business transaction would serialize their commits.
    /// </summary>
    public TimeSpan RelayIdlePoll { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long inbox entries and replayed dead letters are kept (default 7 days).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The queues an event of <paramref name="type"/> goes to.</summary>
    public IEnumerable<string> QueuesFor(string type) =>
        Routes.Where(route => route.Value.Any(pattern => Matches(pattern, type))).Select(route => route.Key);

    private static bool Matches(string pattern, string type) =>
        pattern == "*"
        || string.Equals(pattern, type, StringComparison.Ordinal)
        || (pattern.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(pattern[..^1], StringComparison.Ordinal));
}
