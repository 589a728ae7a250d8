namespace Platform.Security;

/// <summary>What kind of security event happened. Stored in the audit log as <c>security.{name}</c> (see <see cref="SecurityEventTypes.ToAction"/>).</summary>
public enum SecurityEventType
{
    /// <summary>A sign-in with a wrong password, or for an unknown account.</summary>
    FailedLogin,

    /// <summary>An account was locked after too many failed sign-ins.</summary>
    Lockout,

    /// <summary>An authenticated caller was refused for lack of a permission.</summary>
    PermissionDenied,

    /// <summary>An already-used refresh token was presented again: the token was probably stolen.</summary>
    RefreshTokenReuse,

    /// <summary>An API key that is revoked, expired, malformed or out of scope was used.</summary>
    ApiKeyMisuse,

    /// <summary>A caller hit a rate limit.</summary>
    RateLimited,

    /// <summary>Failed sign-ins for one account or from one address crossed the brute-force threshold (raised by the recorder itself).</summary>
    BruteForceSuspected,

    /// <summary>A request was refused by the organization's IP rules.</summary>
    IpBlocked,

    /// <summary>A wrong second factor (TOTP or recovery code).</summary>
    MfaFailed,

    /// <summary>A password reset was requested or completed.</summary>
    PasswordReset,

    /// <summary>A second factor was enabled, disabled or its recovery codes regenerated.</summary>
    MfaChanged,

    /// <summary>A session was revoked by the user or an administrator.</summary>
    SessionRevoked,

    /// <summary>A sign-in succeeded from an address not seen before for the user.</summary>
    NewLoginLocation,
}

/// <summary>How urgent a security event or alert is; alerts are delivered sooner the higher it is.</summary>
public enum SecuritySeverity
{
    /// <summary>Worth knowing: collected in the daily digest.</summary>
    Low = 1,

    /// <summary>Delivered within 15 minutes.</summary>
    Medium = 2,

    /// <summary>Delivered within 5 minutes.</summary>
    High = 3,

    /// <summary>Delivered at once.</summary>
    Critical = 4,
}

/// <summary>Names and default severities of <see cref="SecurityEventType"/> and <see cref="SecuritySeverity"/>.</summary>
public static class SecurityEventTypes
{
    /// <summary>The prefix of every security event's audit action.</summary>
    public const string ActionPrefix = "security.";

    private static readonly Dictionary<SecurityEventType, string> Names = new()
    {
        [SecurityEventType.FailedLogin] = "failed_login",
        [SecurityEventType.Lockout] = "lockout",
        [SecurityEventType.PermissionDenied] = "permission_denied",
        [SecurityEventType.RefreshTokenReuse] = "refresh_token_reuse",
        [SecurityEventType.ApiKeyMisuse] = "api_key_misuse",
        [SecurityEventType.RateLimited] = "rate_limited",
        [SecurityEventType.BruteForceSuspected] = "brute_force_suspected",
        [SecurityEventType.IpBlocked] = "ip_blocked",
        [SecurityEventType.MfaFailed] = "mfa_failed",
        [SecurityEventType.PasswordReset] = "password_reset",
        [SecurityEventType.MfaChanged] = "mfa_changed",
        [SecurityEventType.SessionRevoked] = "session_revoked",
        [SecurityEventType.NewLoginLocation] = "new_login_location",
    };

    private static readonly Dictionary<string, SecurityEventType> ByName = Names.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>The snake_case name, e.g. <c>failed_login</c>.</summary>
    public static string ToName(this SecurityEventType type) =>
        Names.TryGetValue(type, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown security event type.");

    /// <summary>The audit action of the type, e.g. <c>security.failed_login</c>.</summary>
    public static string ToAction(this SecurityEventType type) => ActionPrefix + type.ToName();

    /// <summary>The type named <paramref name="name"/> (with or without the <c>security.</c> prefix), if any.</summary>
    public static bool TryParse(string? name, out SecurityEventType type)
    {
        type = default;
        if (name is null)
        {
            return false;
        }

        var bare = name.StartsWith(ActionPrefix, StringComparison.Ordinal) ? name[ActionPrefix.Length..] : name;
        return ByName.TryGetValue(bare, out type);
    }

    /// <summary>
    /// How serious one occurrence is when the caller does not say. Single failures are low (they are
    /// routine: typos, expired keys); what signals an attack in progress or a stolen credential is high.
    /// </summary>
    public static SecuritySeverity DefaultSeverity(this SecurityEventType type) => type switch
    {
        SecurityEventType.RefreshTokenReuse => SecuritySeverity.High,
        SecurityEventType.BruteForceSuspected => SecuritySeverity.High,
        SecurityEventType.ApiKeyMisuse => SecuritySeverity.Medium,
        SecurityEventType.Lockout => SecuritySeverity.Medium,
        SecurityEventType.MfaChanged => SecuritySeverity.Medium,
        SecurityEventType.PermissionDenied => SecuritySeverity.Low,
        SecurityEventType.IpBlocked => SecuritySeverity.Low,
        SecurityEventType.MfaFailed => SecuritySeverity.Low,
        SecurityEventType.NewLoginLocation => SecuritySeverity.Low,
        _ => SecuritySeverity.Low,
    };

    /// <summary>The lower-case name stored in the database (<c>low</c> ... <c>critical</c>).</summary>
    public static string ToName(this SecuritySeverity severity) => severity switch
    {
        SecuritySeverity.Low => "low",
        SecuritySeverity.Medium => "medium",
        SecuritySeverity.High => "high",
        SecuritySeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "Unknown severity."),
    };

    /// <summary>The severity named <paramref name="name"/> (case-insensitive).</summary>
    public static bool TryParseSeverity(string? name, out SecuritySeverity severity)
    {
        severity = name?.ToUpperInvariant() switch
        {
            "LOW" => SecuritySeverity.Low,
            "MEDIUM" => SecuritySeverity.Medium,
            "HIGH" => SecuritySeverity.High,
            "CRITICAL" => SecuritySeverity.Critical,
            _ => 0,
        };
        return severity != 0;
    }

    internal static SecuritySeverity ParseSeverity(string name) =>
        TryParseSeverity(name, out var severity) ? severity : throw new InvalidOperationException($"Unknown severity '{name}' in the database.");
}
