using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Platform.Identity.Tokens;

/// <summary>
/// The ES256 keys that sign access tokens, shared by every replica through PostgreSQL (private
/// keys protected by the shared data-protection key ring). Tokens carry the key id (<c>kid</c>);
/// rotation adds a new signing key and keeps the old ones validating until every token they
/// signed has expired, so nobody is logged out.
/// </summary>
public sealed class SigningKeyStore(NpgsqlDataSource dataSource, IDataProtectionProvider dataProtection, IOptions<PlatformIdentityOptions> options, TimeProvider clock) : IDisposable
{
    private const string Algorithm = SecurityAlgorithms.EcdsaSha256;
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(60);
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Platform.Identity.SigningKeys");
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private Snapshot? _snapshot;
    private int _backgroundRefresh;

    private sealed record KeyEntry(string KeyId, ECDsaSecurityKey PublicKey, string ProtectedPrivateKey, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, DateTimeOffset? ExpiresAt);

    private sealed record Snapshot(IReadOnlyList<KeyEntry> Keys, DateTimeOffset LoadedAt);

    /// <summary>Credentials of the newest active key; creates the first key if there is none.</summary>
    public async Task<SigningCredentials> GetSigningCredentialsAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = await CurrentAsync(cancellationToken).ConfigureAwait(false);
        var active = snapshot.Keys.Where(k => k.RetiredAt is null).MaxBy(k => k.CreatedAt);
        if (active is null)
        {
            await CreateKeyAsync(retireOthers: false, cancellationToken).ConfigureAwait(false);
            snapshot = await LoadAsync(cancellationToken).ConfigureAwait(false);
            active = snapshot.Keys.Where(k => k.RetiredAt is null).MaxBy(k => k.CreatedAt)!;
        }

        var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(Convert.FromBase64String(_protector.Unprotect(active.ProtectedPrivateKey)), out _);
        return new SigningCredentials(new ECDsaSecurityKey(ecdsa) { KeyId = active.KeyId }, Algorithm);
    }

    /// <summary>
    /// Keys that may validate a token with <paramref name="keyId"/> (for JwtBearer's resolver; synchronous by its contract).
    /// A stale snapshot is served while one background reload runs, so requests never queue behind the database;
    /// only an unknown key id (created by another replica a moment ago) waits for a reload.
    /// </summary>
    public IEnumerable<SecurityKey> GetValidationKeys(string? keyId)
    {
        var snapshot = _snapshot;
        if (snapshot is null || (keyId is not null && snapshot.Keys.All(k => k.KeyId != keyId)))
        {
            snapshot = LoadIfStaleAsync(snapshot, CancellationToken.None).GetAwaiter().GetResult();
        }
        else if (clock.GetUtcNow() - snapshot.LoadedAt > RefreshInterval && Interlocked.CompareExchange(ref _backgroundRefresh, 1, 0) == 0)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await LoadIfStaleAsync(snapshot, CancellationToken.None).ConfigureAwait(false);
                }
                finally
                {
                    Volatile.Write(ref _backgroundRefresh, 0);
                }
            });
        }

        var now = clock.GetUtcNow();
        return snapshot!.Keys
            .Where(k => (keyId is null || k.KeyId == keyId) && (k.ExpiresAt is null || k.ExpiresAt > now))
            .Select(k => k.PublicKey)
            .ToList();
    }

    /// <summary>When the key that signs new tokens was created; null before the first key exists.</summary>
    public async Task<DateTimeOffset?> ActiveKeyCreatedAtAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = await LoadAsync(cancellationToken).ConfigureAwait(false);
        return snapshot.Keys.Where(k => k.RetiredAt is null).Select(k => (DateTimeOffset?)k.CreatedAt).Max();
    }

    /// <summary>Adds a new signing key; older keys stop signing and expire after the access-token lifetime.</summary>
    public async Task<string> RotateAsync(CancellationToken cancellationToken = default)
    {
        var keyId = await CreateKeyAsync(retireOthers: true, cancellationToken).ConfigureAwait(false);
        await LoadAsync(cancellationToken).ConfigureAwait(false);
        return keyId;
    }

    public void Dispose() => _refreshGate.Dispose();

    private async Task<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        return snapshot is not null && clock.GetUtcNow() - snapshot.LoadedAt <= RefreshInterval
            ? snapshot
            : await LoadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reloads unless another caller already replaced <paramref name="seen"/> while this one waited for the gate.</summary>
    private async Task<Snapshot> LoadIfStaleAsync(Snapshot? seen, CancellationToken cancellationToken)
    {
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _snapshot;
            return current is not null && !ReferenceEquals(current, seen) ? current : await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    private async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    private async Task<Snapshot> ReadAsync(CancellationToken cancellationToken)
    {
        {
            var keys = new List<KeyEntry>();
            await using var command = dataSource.CreateCommand(
                "SELECT key_id, public_key, protected_private_key, created_at, retired_at, expires_at FROM signing_keys WHERE algorithm = $1");
            command.Parameters.Add(new() { Value = Algorithm });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var ecdsa = ECDsa.Create();
                ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(reader.GetString(1)), out _);
                keys.Add(new KeyEntry(
                    reader.GetString(0),
                    new ECDsaSecurityKey(ecdsa) { KeyId = reader.GetString(0) },
                    reader.GetString(2),
                    reader.GetFieldValue<DateTimeOffset>(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                    reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
            }

            var snapshot = new Snapshot(keys, clock.GetUtcNow());
            _snapshot = snapshot;
            return snapshot;
        }
    }

    private async Task<string> CreateKeyAsync(bool retireOthers, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Replicas starting together must not each create a "first" key.
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('signing_keys'))", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!retireOthers)
        {
            await using var existing = new NpgsqlCommand("SELECT key_id FROM signing_keys WHERE retired_at IS NULL AND algorithm = $1 LIMIT 1", connection, transaction);
            existing.Parameters.Add(new() { Value = Algorithm });
            if (await existing.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string keyId)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return keyId;
            }
        }

        var now = clock.GetUtcNow();
        if (retireOthers)
        {
            await using var retire = new NpgsqlCommand(
                "UPDATE signing_keys SET retired_at = $1, expires_at = $2 WHERE retired_at IS NULL", connection, transaction);
            retire.Parameters.Add(new() { Value = now });
            retire.Parameters.Add(new() { Value = now + options.Value.AccessTokenLifetime + options.Value.SigningKeyRetirementGrace });
            await retire.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var newKeyId = $"{now:yyyyMMdd}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";
        await using var insert = new NpgsqlCommand(
            "INSERT INTO signing_keys (key_id, algorithm, protected_private_key, public_key, created_at) VALUES ($1, $2, $3, $4, $5)", connection, transaction);
        insert.Parameters.Add(new() { Value = newKeyId });
        insert.Parameters.Add(new() { Value = Algorithm });
        insert.Parameters.Add(new() { Value = _protector.Protect(Convert.ToBase64String(key.ExportPkcs8PrivateKey())) });
        insert.Parameters.Add(new() { Value = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()) });
        insert.Parameters.Add(new() { Value = now });
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return newKeyId;
    }
}
