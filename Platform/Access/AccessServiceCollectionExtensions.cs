using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Platform.Access;

/// <summary>Registers the access module.</summary>
public static class AccessServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="PermissionEvaluator"/> and <see cref="RoleService"/> with <see cref="AccessControlOptions"/>
    /// bound from the <c>AccessControl</c> section. Needs the platform database and the Redis client registered.
    /// </summary>
    public static IHostApplicationBuilder AddAccessControl(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<AccessControlOptions>().Bind(builder.Configuration.GetSection(AccessControlOptions.SectionName));
        builder.Services.AddSingleton<PermissionEvaluator>();
        builder.Services.AddScoped<RoleService>();
        return builder;
    }
}
