namespace Platform.Access;

/// <summary>Options of the access module, bound from the <c>AccessControl</c> configuration section.</summary>
public sealed class AccessControlOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "AccessControl";

    /// <summary>
    /// How long a member's computed permissions stay in Redis. Changes invalidate at once, so this only
    /// bounds how long an entry lingers after a change made behind the module's back (default 10 minutes).
    /// </summary>
    public TimeSpan PermissionCacheTtl { get; set; } = TimeSpan.FromMinutes(10);
}
