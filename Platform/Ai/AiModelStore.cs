using Npgsql;
using NpgsqlTypes;
using Platform.Tenancy;

namespace Platform.Ai;

/// <summary>
/// The model repository (<c>ai_models</c>) over plain SQL. Organization calls run under row-level
/// security keyed to the organization (its own models and the platform's); AiInference's loads run in
/// the system scope, because one server serves every organization.
/// </summary>
public sealed class AiModelStore(NpgsqlDataSource dataSource)
{
    /// <summary>PostgreSQL channel the activation trigger notifies with the model row's id.</summary>
    public const string ActivationChannel = "ai_models_activated";

    private const string Columns = """
        id, tenant_id, name, version, model_type, storage_uri, input_schema::text, output_schema::text, metrics::text,
        max_batch_size, max_queue_delay_us, created_by, created_at, is_active, activated_at, storage_sha256
        """;

    /// <summary>The models an organization can use: its own and the platform's, newest version first.</summary>
    public async Task<IReadOnlyList<AiModel>> ListAsync(Guid tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await TenantSession.ApplyAsync(connection, transaction, tenantId, null, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM ai_models ORDER BY name, tenant_id NULLS LAST, version DESC", connection, transaction);
        var models = await ReadAllAsync(command, withBytes: false, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [.. models.Select(m => m.Model)];
    }

    /// <summary>
    /// Stores the next version of <paramref name="model"/> for the organization (inactive), inside the
    /// caller's transaction, which is already keyed to the organization.
    /// </summary>
    public static async Task<AiModel> AddVersionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid? createdBy, NewAiModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        // Two uploads racing for one version number: the unique index refuses the second, which the caller reports.
        await using var command = new NpgsqlCommand($"""
            INSERT INTO ai_models (tenant_id, name, version, model_type, onnx, input_schema, output_schema, metrics, max_batch_size, max_queue_delay_us, created_by,
                                   storage_uri, storage_sha256)
            SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12
            FROM ai_models WHERE tenant_id = $1 AND name = $2
            RETURNING {Columns}
            """, connection, transaction)
        {
            Parameters =
            {
                new() { Value = tenantId }, new() { Value = model.Name }, new() { Value = model.ModelType },
                new() { Value = (object?)model.Onnx ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea }, new() { Value = model.InputSchema }, new() { Value = model.OutputSchema },
                new() { Value = model.Metrics }, new() { Value = model.MaxBatchSize }, new() { Value = model.MaxQueueDelayMicroseconds },
                new() { Value = (object?)createdBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
                new() { Value = (object?)model.StorageUri ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = (object?)model.StorageSha256 ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            },
        };
        return (await ReadAllAsync(command, withBytes: false, cancellationToken).ConfigureAwait(false))[0].Model;
    }

    /// <summary>
    /// Makes <paramref name="version"/> the organization's active version of <paramref name="name"/>
    /// (the previous one stops being active in the same statement order), inside the caller's
    /// transaction. The trigger notifies AiInference on commit. Null when no such version exists.
    /// </summary>
    public static async Task<(AiModel? Before, AiModel? After)> ActivateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, string name, int version, CancellationToken cancellationToken = default)
    {
        await using var previous = new NpgsqlCommand($"SELECT {Columns} FROM ai_models WHERE tenant_id = $1 AND name = $2 AND is_active", connection, transaction)
        {
            Parameters = { new() { Value = tenantId }, new() { Value = name } },
        };
        var before = (await ReadAllAsync(previous, withBytes: false, cancellationToken).ConfigureAwait(false)).FirstOrDefault()?.Model;
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("UPDATE ai_models SET is_active = false WHERE tenant_id = $1 AND name = $2 AND is_active AND version <> $3")
                {
                    Parameters = { new() { Value = tenantId }, new() { Value = name }, new() { Value = version } },
                },
                new($"UPDATE ai_models SET is_active = true, activated_at = now() WHERE tenant_id = $1 AND name = $2 AND version = $3 RETURNING {Columns}")
                {
                    Parameters = { new() { Value = tenantId }, new() { Value = name }, new() { Value = version } },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        AiModel? after = null;
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            after = Read(reader, withBytes: false).Model;
        }

        return (before, after);
    }

    /// <summary>Whether a platform model of that name exists (any version, active or not).</summary>
    public async Task<bool> HasPlatformModelAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                TenantSession.SystemCommand(),
                new("SELECT EXISTS (SELECT 1 FROM ai_models WHERE tenant_id IS NULL AND name = $1)") { Parameters = { new() { Value = name } } },
            },
        };
        return (bool)(await batch.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Whether the organization can use an active model of that name (its own or the platform's).</summary>
    public async Task<bool> IsServableAsync(Guid tenantId, string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                TenantSession.Command(tenantId, null),
                new("SELECT EXISTS (SELECT 1 FROM ai_models WHERE name = $1 AND is_active)") { Parameters = { new() { Value = name } } },
            },
        };
        // Both statements in one implicit transaction: the tenant setting keys the query.
        return (bool)(await batch.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Every active model of every organization and of the platform, with bytes (system scope).</summary>
    public async Task<IReadOnlyList<AiModelContent>> LoadActiveAsync(CancellationToken cancellationToken = default) =>
        await LoadInSystemScopeAsync($"SELECT {Columns}, onnx FROM ai_models WHERE is_active", null, cancellationToken).ConfigureAwait(false);

    /// <summary>One model version with bytes, by id (system scope); null when it is gone.</summary>
    public async Task<AiModelContent?> LoadAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var rows = await LoadInSystemScopeAsync($"SELECT {Columns}, onnx FROM ai_models WHERE id = $1", id, cancellationToken).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <summary>
    /// Stores a version in the platform scope (tenant_id NULL) and activates it: the seed step for
    /// local development and the fixtures. Returns the stored row.
    /// </summary>
    public async Task<AiModel> PublishPlatformModelAsync(NewAiModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await TenantSession.ApplySystemAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            WITH next AS (SELECT coalesce(max(version), 0) + 1 AS version FROM ai_models WHERE tenant_id IS NULL AND name = $1),
                 retired AS (UPDATE ai_models SET is_active = false WHERE tenant_id IS NULL AND name = $1 AND is_active)
            INSERT INTO ai_models (tenant_id, name, version, model_type, onnx, input_schema, output_schema, metrics, max_batch_size, max_queue_delay_us, is_active, activated_at,
                                   storage_uri, storage_sha256)
            SELECT NULL, $1, next.version, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7, $8, false, NULL, $9, $10 FROM next
            RETURNING id
            """, connection, transaction)
        {
            Parameters =
            {
                new() { Value = model.Name }, new() { Value = model.ModelType }, new() { Value = (object?)model.Onnx ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea },
                new() { Value = model.InputSchema }, new() { Value = model.OutputSchema }, new() { Value = model.Metrics },
                new() { Value = model.MaxBatchSize }, new() { Value = model.MaxQueueDelayMicroseconds },
                new() { Value = (object?)model.StorageUri ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = (object?)model.StorageSha256 ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            },
        };
        var id = (Guid)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        // A separate statement: the retiring UPDATE above must be visible before the unique active index sees the new row.
        await using var activate = new NpgsqlCommand($"UPDATE ai_models SET is_active = true, activated_at = now() WHERE id = $1 RETURNING {Columns}", connection, transaction)
        {
            Parameters = { new() { Value = id } },
        };
        var stored = (await ReadAllAsync(activate, withBytes: false, cancellationToken).ConfigureAwait(false))[0].Model;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return stored;
    }

    private async Task<IReadOnlyList<AiModelContent>> LoadInSystemScopeAsync(string sql, Guid? id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await TenantSession.ApplySystemAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        if (id is { } value)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var rows = await ReadAllAsync(command, withBytes: true, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    private static async Task<List<AiModelContent>> ReadAllAsync(NpgsqlCommand command, bool withBytes, CancellationToken cancellationToken)
    {
        var rows = new List<AiModelContent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(Read(reader, withBytes));
        }

        return rows;
    }

    private static AiModelContent Read(NpgsqlDataReader reader, bool withBytes) => new(
        new AiModel(
            reader.GetGuid(0),
            reader.IsDBNull(1) ? null : reader.GetGuid(1),
            reader.GetString(2),
            reader.GetInt32(3),
            reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.GetString(6),
            reader.GetString(7),
            reader.GetString(8),
            reader.GetInt32(9),
            reader.GetInt32(10),
            reader.IsDBNull(11) ? null : reader.GetGuid(11),
            reader.GetFieldValue<DateTimeOffset>(12),
            reader.GetBoolean(13),
            reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14),
            reader.IsDBNull(15) ? null : reader.GetString(15)),
        withBytes && !reader.IsDBNull(16) ? reader.GetFieldValue<byte[]>(16) : null);
}
