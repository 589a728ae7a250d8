using Microsoft.Extensions.Configuration;

namespace Platform.Hosting;

/// <summary>Reading settings a service cannot run without, with errors that name the setting.</summary>
public static class RequiredConfiguration
{
    /// <summary>The connection string <c>ConnectionStrings:{name}</c> (Aspire's convention), or a clear error naming it.</summary>
    public static string GetRequiredConnectionString(this IConfiguration configuration, string name)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration.GetConnectionString(name);
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException(
                $"Missing connection string '{name}': set ConnectionStrings:{name} (environment variable ConnectionStrings__{name}). " +
                "The AppHost sets it when the service runs under it.")
            : value;
    }
}
