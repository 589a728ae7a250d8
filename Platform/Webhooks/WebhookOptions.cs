namespace Platform.Webhooks;

/// <summary>How webhooks are delivered and which targets they may reach (section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>
    /// Targets an operator permits although they are private, loopback, link-local... (refused otherwise): CIDR
    /// networks or single addresses (<c>10.20.0.0/16</c>, <c>127.0.0.1</c>) and host names (<c>hooks.internal</c>, exact,
    /// case-insensitive). Empty by default; local development and tests allow <c>127.0.0.1</c>.
    /// </summary>
    public List<string> AllowedTargets { get; init; } = [];

    /// <summary>Refuse <c>http://</c> endpoint URLs; always on in Production, whatever is configured.</summary>
    public bool RequireHttps { get; set; }

    /// <summary>How long a receiver has to answer one attempt (Standard Webhooks: 15–30 s).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the previous secret keeps signing after a rotation when the request names no grace period.</summary>
    public TimeSpan DefaultRotationGracePeriod { get; set; } = TimeSpan.FromHours(24);

    /// <summary>An endpoint that has had only failures for this long is disabled and its organization told.</summary>
    public TimeSpan DisableAfterFailingFor { get; set; } = TimeSpan.FromDays(5);

    /// <summary>
    /// A failure streak ends after this long without a failure (default 24 h): the next failure starts a new one, so
    /// failures days apart never add up to <see cref="DisableAfterFailingFor"/>.
    /// </summary>
    public TimeSpan FailureStreakResetAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Endpoints one organization may have (default 20).</summary>
    public int MaxEndpointsPerOrganization { get; set; } = 20;

    /// <summary>
    /// How long a claimed delivery stays hidden from other replicas. It must cover a whole batch: the last of
    /// <see cref="DeliveryBatchSize"/> deliveries starts after ceil(size / <see cref="WebhookDispatcher.Parallelism"/>) − 1
    /// timeouts (see <see cref="LeaseCoversBatch"/>).
    /// </summary>
    public TimeSpan DeliveryLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Deliveries one replica claims per round.</summary>
    public int DeliveryBatchSize { get; set; } = 20;

    /// <summary>How often the delivery job looks for due deliveries when the last round found none.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long messages and their delivery log are kept once no attempt is pending (default 30 days).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Time kept in a lease beyond the batch's worst case, for recording the results.</summary>
    public static TimeSpan LeaseMargin { get; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The shortest lease for these settings: ceil(<see cref="DeliveryBatchSize"/> / <see cref="WebhookDispatcher.Parallelism"/>)
    /// × <see cref="RequestTimeout"/> + <see cref="LeaseMargin"/>; a shorter one expires before a batch's last items are sent.
    /// </summary>
    public TimeSpan MinimumDeliveryLease =>
        (RequestTimeout * Math.Ceiling(Math.Max(DeliveryBatchSize, 1) / (double)WebhookDispatcher.Parallelism)) + LeaseMargin;

    /// <summary>True when <see cref="DeliveryLease"/> is at least <see cref="MinimumDeliveryLease"/>.</summary>
    public bool LeaseCoversBatch => DeliveryLease >= MinimumDeliveryLease;

    /// <summary>The longest grace period a rotation may ask for.</summary>
    public static TimeSpan MaxRotationGracePeriod { get; } = TimeSpan.FromDays(7);
}
