using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

/// <summary>
/// Secret parameters (database passwords): <c>Parameters:{name}</c> from configuration when set,
/// otherwise generated once and kept in a private file under the data folder, so the databases
/// keep working across runs (the local stand-in for Aspire's user secrets).
/// </summary>
public sealed class ParameterStore(IConfiguration configuration, string filePath)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly Lock _gate = new();
    private Dictionary<string, string>? _values;

    public string Get(string name)
    {
        if (configuration[$"Parameters:{name}"] is { Length: > 0 } configured)
        {
            return configured;
        }

        lock (_gate)
        {
            _values ??= Load();
            if (!_values.TryGetValue(name, out var value))
            {
                // 22+ characters like Aspire's generated secrets; hex keeps it safe in connection strings.
                value = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
                _values[name] = value;
                Save();
            }

            return value;
        }
    }

    private Dictionary<string, string> Load() =>
        File.Exists(filePath)
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(filePath)) ?? []
            : [];

    private void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(filePath)!);
        File.WriteAllText(filePath, JsonSerializer.Serialize(_values, Indented));
        File.SetUnixFileMode(filePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
