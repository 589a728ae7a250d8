using Npgsql;
using NpgsqlTypes;
using Platform.Tenancy;

namespace Platform.Ai;

/// <summary>Writes served predictions to <c>ai_predictions</c>, many rows per statement (system scope: rows of every organization).</summary>
public sealed class AiPredictionStore(NpgsqlDataSource dataSource)
{
    public async Task WriteAsync(IReadOnlyList<AiPrediction> predictions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        if (predictions.Count == 0)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await TenantSession.ApplySystemAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        // One INSERT over arrays: COPY is refused on tables under row-level security for roles that do not bypass it.
        await using var command = new NpgsqlCommand("""
            INSERT INTO ai_predictions (tenant_id, model_id, model_name, model_version, request_id, input_summary, output, confidence, latency_ms, created_at)
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::jsonb[], $7::jsonb[], $8::real[], $9::real[], $10::timestamptz[])
            """, connection, transaction)
        {
            Parameters =
            {
                new() { Value = predictions.Select(p => (object?)p.TenantId ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = predictions.Select(p => p.ModelId).ToArray() },
                new() { Value = predictions.Select(p => p.ModelName).ToArray() },
                new() { Value = predictions.Select(p => p.ModelVersion).ToArray() },
                new() { Value = predictions.Select(p => (object?)p.RequestId ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = predictions.Select(p => p.InputSummary).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
                new() { Value = predictions.Select(p => p.Output).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
                new() { Value = predictions.Select(p => (object?)p.Confidence ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Real },
                new() { Value = predictions.Select(p => p.LatencyMilliseconds).ToArray() },
                new() { Value = predictions.Select(p => p.CreatedAt.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
            },
        };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
