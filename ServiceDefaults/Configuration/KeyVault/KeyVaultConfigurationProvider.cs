using System.Collections.Concurrent;
using Azure;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ServiceDefaults.Configuration.KeyVault;

/// <summary>
/// Every enabled, current secret of a vault as configuration, the way the official
/// Azure.Extensions.AspNetCore.Configuration.Secrets provider does it: list the secrets' properties,
/// fetch each enabled one (a few at a time), map <c>--</c> to <c>:</c>, and when two secrets give
/// the same key, the newest wins. Loads synchronously when configuration is built, so a service
/// either starts with its secrets or fails with a <see cref="KeyVaultConfigurationException"/>.
/// With a reload interval it looks again periodically, fetching only new or changed secrets; a
/// failed reload keeps the values it had and is logged.
/// </summary>
public sealed class KeyVaultConfigurationProvider : ConfigurationProvider, IDisposable
{
    private readonly KeyVaultConfigurationSource _source;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Dictionary<string, LoadedSecret> _loaded = new(StringComparer.OrdinalIgnoreCase);
    private ILogger _logger;
    private Task? _reloading;

    public KeyVaultConfigurationProvider(KeyVaultConfigurationSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _logger = (ILogger?)source.LoggerFactory?.CreateLogger<KeyVaultConfigurationProvider>() ?? NullLogger.Instance;
    }

    public Uri VaultUri => _source.Client.VaultUri;

    public override void Load()
    {
        // Synchronous, as in the official provider: configuration is complete before the host is built.
        _refreshGate.Wait();
        try
        {
            RefreshAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw new KeyVaultConfigurationException(VaultUri, exception);
        }
        finally
        {
            _refreshGate.Release();
        }

        if (_source.ReloadInterval is { } interval && _reloading is null)
        {
            _reloading = ReloadPeriodicallyAsync(interval, _stopping.Token);
        }
    }

    /// <summary>
    /// Looks for new, changed or removed secrets now (the periodic reload does the same) and
    /// signals a configuration change when a value changed. A failure is logged, never thrown:
    /// the values loaded before stay in use.
    /// </summary>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _refreshGate.WaitAsync(cancellationToken);
        try
        {
            if (await RefreshAsync(cancellationToken))
            {
                KeyVaultLog.Reloaded(_logger, VaultUri, Data.Count);
                OnReload();
            }
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            KeyVaultLog.ReloadFailed(_logger, VaultUri, Data.Count, KeyVaultConfigurationException.Explain(exception), exception);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>Called once the host runs, so reload failures reach the service's own logs.</summary>
    internal void UseLogger(ILogger logger) => _logger = logger;

    public void Dispose()
    {
        _stopping.Cancel();
        _reloading?.GetAwaiter().GetResult();
        _stopping.Dispose();
        _refreshGate.Dispose();
    }

    private async Task ReloadPeriodicallyAsync(TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await ReloadAsync(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed: configuration is being torn down.
        }
    }

    /// <summary>Reads the vault into <see cref="ConfigurationProvider.Data"/>; true when a value changed.</summary>
    private async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var current = new Dictionary<string, LoadedSecret>(StringComparer.OrdinalIgnoreCase);
        var changed = new List<string>();
        await foreach (var properties in _source.Client.GetPropertiesOfSecretsAsync(cancellationToken))
        {
            if (!IsCurrent(properties, now))
            {
                continue;
            }

            // Unchanged since the last look (same UpdatedOn): keep the value without fetching it again.
            if (_loaded.TryGetValue(properties.Name, out var known) && known.UpdatedOn is not null && known.UpdatedOn == properties.UpdatedOn)
            {
                current[properties.Name] = known;
            }
            else
            {
                changed.Add(properties.Name);
            }
        }

        var fetched = new ConcurrentBag<LoadedSecret>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _source.MaxConcurrentLoads, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(changed, parallel, async (name, token) =>
        {
            try
            {
                KeyVaultSecret secret = await _source.Client.GetSecretAsync(name, cancellationToken: token);
                fetched.Add(new LoadedSecret(secret.Name, secret.Value, secret.Properties.UpdatedOn));
            }
            catch (RequestFailedException exception) when (exception.Status == 404)
            {
                // Deleted between the listing and the fetch: it is simply gone.
            }
        });

        foreach (var secret in fetched)
        {
            current[secret.Name] = secret;
        }

        var data = ToConfiguration(current.Values);
        _loaded = current;
        if (SameSettings(Data, data))
        {
            return false;
        }

        Data = data;
        return true;
    }

    private static bool IsCurrent(SecretProperties properties, DateTimeOffset now) =>
        properties.Enabled == true &&
        (properties.ExpiresOn is not { } expires || expires > now) &&
        (properties.NotBefore is not { } notBefore || notBefore <= now);

    private static Dictionary<string, string?> ToConfiguration(IEnumerable<LoadedSecret> secrets)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        // Oldest first, so when two secrets map to one key the newest one is written last and wins.
        foreach (var secret in secrets.OrderBy(s => s.UpdatedOn ?? DateTimeOffset.MinValue).ThenBy(s => s.Name, StringComparer.Ordinal))
        {
            data[KeyVaultSecretNames.ToConfigurationKey(secret.Name)] = secret.Value;
        }

        return data;
    }

    private static bool SameSettings(IDictionary<string, string?> before, Dictionary<string, string?> after) =>
        before.Count == after.Count &&
        after.All(pair => before.TryGetValue(pair.Key, out var value) && string.Equals(value, pair.Value, StringComparison.Ordinal));

    private sealed record LoadedSecret(string Name, string? Value, DateTimeOffset? UpdatedOn);
}
