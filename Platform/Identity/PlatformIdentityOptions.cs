namespace Platform.Identity;

/// <summary>Sign-in and token settings, bound from the configuration section <c>Identity</c>.</summary>
public sealed class PlatformIdentityOptions
{
    public const string SectionName = "Identity";

    /// <summary>The <c>iss</c> and <c>aud</c> of access tokens.</summary>
    public string Issuer { get; set; } = "business-platform";

    public string Audience { get; set; } = "business-platform-api";

    /// <summary>Short-lived: a revoked session stops working within this time.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Failed sign-ins before the account is locked, and for how long.</summary>
    public int MaxFailedAccessAttempts { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often Workers replace the token-signing key (older keys keep validating until their tokens expire).</summary>
    public TimeSpan SigningKeyRotation { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long a retired signing key still validates tokens it signed (beyond their lifetime).</summary>
    public TimeSpan SigningKeyRetirementGrace { get; set; } = TimeSpan.FromMinutes(5);
}
