using Microsoft.AspNetCore.Identity;

namespace Platform.Identity;

/// <summary>A person who signs in. Global: one account can belong to several organizations.</summary>
public sealed class PlatformUser : IdentityUser<Guid>
{
    public string DisplayName { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }
}
