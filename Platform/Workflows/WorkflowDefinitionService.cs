using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Npgsql;
using Platform.Audit;
using Platform.Tenancy;

namespace Platform.Workflows;

/// <summary>
/// An organization's workflows: create and edit drafts (validated on save), publish immutable versions, delete.
/// Every change is audited in its own transaction, as the request's actor.
/// </summary>
public sealed class WorkflowDefinitionService(NpgsqlDataSource dataSource, WorkflowValidator validator, AuditWriter audit, RequestOrigin origin)
{
    private const string Columns = "id, name, description, owner_id, draft::text, published_version, hook_token_hash IS NOT NULL, created_at, updated_at";

    public async Task<WorkflowDefinition> CreateAsync(Guid tenantId, string name, string? description, WorkflowGraph graph, CancellationToken cancellationToken = default)
    {
        ValidateOrThrow(name, graph);
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, null, cancellationToken).ConfigureAwait(false);
        var owner = origin.ActorType == AuditActorType.User ? origin.ActorId : null;
        await using var insert = transaction.Command(
            $"INSERT INTO workflow_definitions (tenant_id, name, description, owner_id, draft) VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING {Columns}",
            tenantId, name.Trim(), description, owner, graph.ToJson());
        var created = (await ReadAsync(insert, cancellationToken).ConfigureAwait(false))[0];
        await AuditAsync(transaction, tenantId, "workflow.created", created.Id, null, new { created.Name, nodes = graph.Nodes.Count }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return created;
    }

    public async Task<IReadOnlyList<WorkflowDefinition>> ListAsync(Guid tenantId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, null, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command($"SELECT {Columns} FROM workflow_definitions WHERE tenant_id = $1 ORDER BY name, id", tenantId);
        return await ReadAsync(select, cancellationToken).ConfigureAwait(false);
    }

    public async Task<WorkflowDefinition?> GetAsync(Guid tenantId, Guid id, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, null, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command($"SELECT {Columns} FROM workflow_definitions WHERE tenant_id = $1 AND id = $2", tenantId, id);
        return (await ReadAsync(select, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>Saves the draft (published versions are untouched); null when there is no such workflow.</summary>
    public async Task<WorkflowDefinition?> SaveDraftAsync(Guid tenantId, Guid id, string name, string? description, WorkflowGraph graph, CancellationToken cancellationToken = default)
    {
        ValidateOrThrow(name, graph);
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, null, cancellationToken).ConfigureAwait(false);
        await using var update = transaction.Command(
            $"UPDATE workflow_definitions SET name = $3, description = $4, draft = $5::jsonb, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING {Columns}",
            tenantId, id, name.Trim(), description, graph.ToJson());
        if ((await ReadAsync(update, cancellationToken).ConfigureAwait(false)).SingleOrDefault() is not { } saved)
        {
            return null;
        }

        await AuditAsync(transaction, tenantId, "workflow.draft_saved", id, null, new { saved.Name, nodes = graph.Nodes.Count }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return saved;
    }

    /// <summary>Deletes the workflow with its versions and executions; false when there is none.</summary>
    public async Task<bool> DeleteAsync(Guid tenantId, Guid id, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, null, cancellationToken).ConfigureAwait(false);
        await using var delete = transaction.Command("DELETE FROM workflow_definitions WHERE tenant_id = $1 AND id = $2 RETURNING name", tenantId, id);
        if (await delete.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string name)
        {
            return false;
        }

        await AuditAsync(transaction, tenantId, "workflow.deleted", id, new { name }, null, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Publishes the draft as the next version: from now on its trigger starts that version (a cron schedule is
    /// picked up by the Workers' scheduler within <see cref="WorkflowOptions.ScheduleSyncInterval"/>). A webhook
    /// trigger gets its secret token on first publication. Null when there is no such workflow.
    /// </summary>
    /// <exception cref="WorkflowValidationException">The draft is not valid (it may predate a rule).</exception>
    public async Task<WorkflowPublication?> PublishAsync(Guid tenantId, Guid id, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, null, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command($"SELECT {Columns} FROM workflow_definitions WHERE tenant_id = $1 AND id = $2 FOR UPDATE", tenantId, id);
        if ((await ReadAsync(select, cancellationToken).ConfigureAwait(false)).SingleOrDefault() is not { } definition)
        {
            return null;
        }

        ValidateOrThrow(definition.Name, definition.Draft);
        var trigger = definition.Draft.Trigger;
        var kind = WorkflowTriggers.Kind(trigger.Type);
        var value = trigger.Type switch
        {
            WorkflowTriggers.Event => trigger.Config?["eventType"]?.GetValue<string>(),
            WorkflowTriggers.Cron => trigger.Config?["cron"]?.GetValue<string>(),
            _ => null,
        };
        var version = (definition.PublishedVersion ?? 0) + 1;
        string? token = null;
        byte[]? tokenHash = null;
        if (trigger.Type == WorkflowTriggers.Webhook && !definition.HasHook)
        {
            token = "wfh_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            tokenHash = HookToken.Hash(token);
        }

        var publisher = origin.ActorType == AuditActorType.User ? origin.ActorId : null;
        await using var insert = transaction.Command(
            """
            INSERT INTO workflow_versions (tenant_id, definition_id, version, graph, trigger_type, trigger_value, published_by)
            VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) RETURNING published_at
            """,
            tenantId, id, version, definition.Draft.ToJson(), kind, value, publisher);
        var publishedAt = new DateTimeOffset((DateTime)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!, TimeSpan.Zero);
        await using var update = transaction.Command(
            "UPDATE workflow_definitions SET published_version = $3, hook_token_hash = coalesce($4, hook_token_hash), updated_at = now() WHERE tenant_id = $1 AND id = $2",
            tenantId, id, version, tokenHash);
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await AuditAsync(transaction, tenantId, "workflow.published", id, null, new { version, trigger = kind, triggerValue = value, hookIssued = token is not null }, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new WorkflowPublication(new WorkflowVersion(id, version, definition.Draft, kind, value, publishedAt, publisher), token);
    }

    /// <summary>Published versions, newest first; null when there is no such workflow.</summary>
    public async Task<IReadOnlyList<WorkflowVersion>?> ListVersionsAsync(Guid tenantId, Guid id, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, null, cancellationToken).ConfigureAwait(false);
        await using (var exists = transaction.Command("SELECT 1 FROM workflow_definitions WHERE tenant_id = $1 AND id = $2", tenantId, id))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                return null;
            }
        }

        await using var select = transaction.Command(
            "SELECT version, graph::text, trigger_type, trigger_value, published_at, published_by FROM workflow_versions WHERE tenant_id = $1 AND definition_id = $2 ORDER BY version DESC",
            tenantId, id);
        var versions = new List<WorkflowVersion>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions.Add(new WorkflowVersion(id, reader.GetInt32(0), WorkflowGraph.Parse(reader.GetString(1)), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetGuid(5)));
        }

        return versions;
    }

    private void ValidateOrThrow(string name, WorkflowGraph graph)
    {
        var errors = validator.Validate(graph);
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 200)
        {
            errors["name"] = ["A workflow's name is 1 to 200 characters."];
        }

        if (errors.Count > 0)
        {
            throw new WorkflowValidationException(errors);
        }
    }

    private async Task AuditAsync(TenantTransaction transaction, Guid tenantId, string action, Guid id, object? before, object? after, CancellationToken cancellationToken) =>
        await audit.AppendAsync(transaction.Connection, transaction.Transaction, new AuditEntry(
            tenantId, origin.ActorType, origin.ActorId, action, "workflow", id.ToString(), AuditChanges.Of(before, after),
            origin.Ip, origin.UserAgent), cancellationToken).ConfigureAwait(false);

    private static async Task<List<WorkflowDefinition>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var definitions = new List<WorkflowDefinition>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            definitions.Add(new WorkflowDefinition(
                reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetGuid(3),
                WorkflowGraph.Parse(reader.GetString(4)), reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.GetBoolean(6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return definitions;
    }
}

/// <summary>The inbound webhook's secret: stored only as a hash, compared in constant time.</summary>
public static class HookToken
{
    public static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token ?? string.Empty));

    public static bool Matches(string? presented, byte[] expectedHash) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), expectedHash);
}
