using System.Net;
using Npgsql;

namespace Platform.Audit;

/// <summary>The audit_logs column list and row reader shared by the query, the export and the verifier.</summary>
internal static class AuditColumns
{
    public const string Select = """
        id, tenant_id, sequence, occurred_at, actor_type, actor_id, action, resource_type, resource_id,
        changes::text, ip, user_agent, trace_id, is_security_event, previous_hash, hash
        """;

    public static AuditRecord Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.IsDBNull(1) ? null : reader.GetGuid(1),
        reader.GetInt64(2),
        reader.GetFieldValue<DateTimeOffset>(3),
        FromText(reader.GetString(4)),
        reader.IsDBNull(5) ? null : reader.GetGuid(5),
        reader.GetString(6),
        reader.GetString(7),
        reader.IsDBNull(8) ? null : reader.GetString(8),
        reader.IsDBNull(9) ? null : reader.GetString(9),
        reader.IsDBNull(10) ? null : reader.GetFieldValue<IPAddress>(10),
        reader.IsDBNull(11) ? null : reader.GetString(11),
        reader.IsDBNull(12) ? null : reader.GetString(12),
        reader.GetBoolean(13),
        reader.GetFieldValue<byte[]>(14),
        reader.GetFieldValue<byte[]>(15));

    public static string ToText(AuditActorType actorType) => actorType switch
    {
        AuditActorType.User => "user",
        AuditActorType.ApiKey => "api_key",
        AuditActorType.System => "system",
        _ => throw new ArgumentOutOfRangeException(nameof(actorType), actorType, "Unknown actor type."),
    };

    public static AuditActorType FromText(string text) => text switch
    {
        "user" => AuditActorType.User,
        "api_key" => AuditActorType.ApiKey,
        "system" => AuditActorType.System,
        _ => throw new InvalidOperationException($"Unknown audit actor type '{text}'."),
    };

    /// <summary>The platform's own chain is keyed by the nil UUID in the chain tables (a key cannot be NULL).</summary>
    public static Guid ChainKey(Guid? tenantId) => tenantId ?? Guid.Empty;

    /// <summary>Opens a read-only transaction under the tenant's row-level security (none: platform events).</summary>
    public static async Task<NpgsqlTransaction> BeginReadAsync(NpgsqlConnection connection, Guid? tenantId, CancellationToken cancellationToken)
    {
        // Repeatable read: a long export or verification sees one consistent snapshot while appends go on.
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("SET TRANSACTION READ ONLY"),
                Tenancy.TenantSession.Command(tenantId, userId: null),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return transaction;
    }

    public static NpgsqlParameter Parameter(object? value) => new() { Value = value ?? DBNull.Value };
}
