using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Configuration;

/// <summary>
/// Refuses to start outside Development while a secret-looking setting holds a placeholder
/// (<c>CHANGE_THIS</c>, <c>your-...</c>, <c>xxxx</c>...), naming every such setting.
/// </summary>
public static class PlaceholderSecretGuard
{
    private static readonly string[] SecretKeyMarkers = ["password", "secret", "key", "token", "connectionstring", "credential"];
    private static readonly string[] PlaceholderMarkers = ["change_this", "changethis", "change-this", "changeme", "change_me", "replace_me", "replace-me", "xxxx", "<your", "todo"];

    public static void ThrowIfPlaceholders(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        if (environment.IsDevelopment())
        {
            return;
        }

        var offending = FindPlaceholders(configuration);
        if (offending.Count > 0)
        {
            throw new InvalidConfigurationException(
                $"Refusing to start in {environment.EnvironmentName}: these settings hold placeholder values, set real ones " +
                $"(environment variables, Key Vault or user secrets): {string.Join(", ", offending)}.");
        }
    }

    /// <summary>Setting paths (with ':' separators) whose values look like placeholders.</summary>
    public static IReadOnlyList<string> FindPlaceholders(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.AsEnumerable()
            .Where(pair => pair.Value is { Length: > 0 } && LooksSecret(pair.Key) && IsPlaceholder(pair.Value))
            .Select(pair => pair.Key)
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    public static bool IsPlaceholder(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var lower = value.Trim().ToLowerInvariant();
        return lower.StartsWith("your-", StringComparison.Ordinal) || lower.StartsWith("your_", StringComparison.Ordinal) ||
               PlaceholderMarkers.Any(marker => lower.Contains(marker, StringComparison.Ordinal));
    }

    private static bool LooksSecret(string key)
    {
        var lower = key.ToLowerInvariant();
        return SecretKeyMarkers.Any(marker => lower.Contains(marker, StringComparison.Ordinal));
    }
}

/// <summary>The service's configuration is missing or invalid; the message names the settings.</summary>
public sealed class InvalidConfigurationException(string message) : Exception(message);
