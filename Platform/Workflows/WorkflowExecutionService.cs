using System.Text.Json.Nodes;
using Npgsql;
using Platform.Audit;
using Platform.Tenancy;

namespace Platform.Workflows;

/// <summary>
/// Executions as people see them: start one by hand or through the inbound webhook, list and inspect them with
/// their step history, cancel a running or waiting one, retry a failed one from the step that failed. Changes are audited.
/// </summary>
public sealed class WorkflowExecutionService(NpgsqlDataSource dataSource, AuditWriter audit, RequestOrigin origin)
{
    private const string Columns =
        "id, definition_id, version, status, context::text, pending, attempt, error, failed_node, started_by, created_at, started_at, finished_at, due_at";

    /// <summary>Starts the published version by hand with <paramref name="input"/>; null when there is no such workflow.</summary>
    /// <exception cref="WorkflowStateException">The workflow has no published version.</exception>
    public async Task<WorkflowExecution?> StartManuallyAsync(Guid tenantId, Guid definitionId, JsonNode? input, CancellationToken cancellationToken = default) =>
        await StartAsync(tenantId, definitionId, "manual", input, "workflow.execution_started", cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Starts a workflow from its inbound webhook when <paramref name="token"/> is its secret; null when the id or token
    /// does not match (the caller learns nothing about which).
    /// </summary>
    public async Task<WorkflowExecution?> StartFromHookAsync(Guid definitionId, string? token, JsonNode? body, CancellationToken cancellationToken = default)
    {
        Guid tenantId;
        byte[] hash;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        await using (var lookup = new NpgsqlCommand("SELECT tenant_id, hook_token_hash FROM workflow_hook_target($1)", connection) { Parameters = { new() { Value = definitionId } } })
        await using (var reader = await lookup.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // Same work as a wrong token, so timing does not tell which ids exist.
                HookToken.Matches(token, new byte[32]);
                return null;
            }

            tenantId = reader.GetGuid(0);
            hash = reader.GetFieldValue<byte[]>(1);
        }

        if (!HookToken.Matches(token, hash))
        {
            return null;
        }

        try
        {
            return await StartAsync(tenantId, definitionId, "webhook", body, "workflow.hook_received", cancellationToken).ConfigureAwait(false);
        }
        catch (WorkflowStateException)
        {
            return null;
        }
    }

    /// <summary>
    /// Executions of a workflow, newest first, continuing after (<paramref name="before"/>, <paramref name="beforeId"/>);
    /// null when the organization has no such workflow.
    /// </summary>
    public async Task<IReadOnlyList<WorkflowExecution>?> ListAsync(
        Guid tenantId, Guid definitionId, string? status, int limit, DateTimeOffset? before, Guid? beforeId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, null, cancellationToken).ConfigureAwait(false);
        await using (var exists = transaction.Command("SELECT 1 FROM workflow_definitions WHERE tenant_id = $1 AND id = $2", tenantId, definitionId))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                return null;
            }
        }

        await using var select = transaction.Command(
            $"""
            SELECT {Columns} FROM workflow_executions
            WHERE tenant_id = $1 AND definition_id = $2 AND ($3::text IS NULL OR status = $3)
              AND ($4::timestamptz IS NULL OR (created_at, id) < ($4, $5))
            ORDER BY created_at DESC, id DESC LIMIT $6
            """,
            tenantId, definitionId, status, before, beforeId ?? Guid.Empty, limit);
        return await ReadAsync(select, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One execution with every step attempt, oldest first; null when there is none.</summary>
    public async Task<(WorkflowExecution Execution, IReadOnlyList<WorkflowStep> Steps)?> GetAsync(Guid tenantId, Guid executionId, CancellationToken cancellationToken = default)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, null, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command($"SELECT {Columns} FROM workflow_executions WHERE tenant_id = $1 AND id = $2", tenantId, executionId);
        if ((await ReadAsync(select, cancellationToken).ConfigureAwait(false)).SingleOrDefault() is not { } execution)
        {
            return null;
        }

        return (execution, await StepsAsync(transaction, tenantId, executionId, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Cancels a queued, running or waiting execution: a Worker running it stops at its next commit or heartbeat.</summary>
    /// <returns>Null when there is no such execution.</returns>
    /// <exception cref="WorkflowStateException">It has finished already.</exception>
    public async Task<WorkflowExecution?> CancelAsync(Guid tenantId, Guid executionId, CancellationToken cancellationToken = default) =>
        await TransitionAsync(tenantId, executionId, "workflow.execution_cancelled", "not_cancellable", "Only a queued, running or waiting execution can be cancelled.",
            """
            UPDATE workflow_executions SET status = 'cancelled', finished_at = now(), lease_owner = NULL, lease_until = NULL, updated_at = now()
            WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'running', 'waiting')
            """,
            "UPDATE workflow_steps SET status = 'cancelled', finished_at = now() WHERE tenant_id = $1 AND execution_id = $2 AND status = 'running'",
            cancellationToken).ConfigureAwait(false);

    /// <summary>Runs a failed execution again from the node that failed; the steps that completed are not repeated.</summary>
    /// <returns>Null when there is no such execution.</returns>
    /// <exception cref="WorkflowStateException">It has not failed.</exception>
    public async Task<WorkflowExecution?> RetryAsync(Guid tenantId, Guid executionId, CancellationToken cancellationToken = default) =>
        await TransitionAsync(tenantId, executionId, "workflow.execution_retried", "not_retryable", "Only a failed execution can be retried.",
            """
            UPDATE workflow_executions SET status = 'queued', attempt = 0, error = NULL, failed_node = NULL, finished_at = NULL, due_at = now(), updated_at = now()
            WHERE tenant_id = $1 AND id = $2 AND status = 'failed'
            """,
            $"SELECT pg_notify('{Messaging.PostgresQueueTransport.NotifyChannel}', '{WorkflowStarter.WakeUpQueue}') WHERE $1::uuid IS NOT NULL AND $2::uuid IS NOT NULL",
            cancellationToken).ConfigureAwait(false);

    internal static async Task<IReadOnlyList<WorkflowStep>> StepsAsync(TenantTransaction transaction, Guid tenantId, Guid executionId, CancellationToken cancellationToken)
    {
        await using var select = transaction.Command(
            "SELECT id, node_id, node_type, attempt, status, output::text, error, started_at, finished_at FROM workflow_steps WHERE tenant_id = $1 AND execution_id = $2 ORDER BY id",
            tenantId, executionId);
        var steps = new List<WorkflowStep>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            steps.Add(new WorkflowStep(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : JsonNode.Parse(reader.GetString(5)), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return steps;
    }

    internal static async Task<IReadOnlyList<WorkflowExecution>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var executions = new List<WorkflowExecution>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            executions.Add(new WorkflowExecution(
                reader.GetGuid(0), reader.GetGuid(1), reader.GetInt32(2), reader.GetString(3), JsonNode.Parse(reader.GetString(4))!.AsObject(),
                reader.GetFieldValue<string[]>(5), reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetGuid(9), reader.GetFieldValue<DateTimeOffset>(10), reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
                reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12), reader.GetFieldValue<DateTimeOffset>(13)));
        }

        return executions;
    }

    private async Task<WorkflowExecution?> StartAsync(Guid tenantId, Guid definitionId, string trigger, JsonNode? data, string auditAction, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, null, cancellationToken).ConfigureAwait(false);
        await using (var exists = transaction.Command("SELECT published_version FROM workflow_definitions WHERE tenant_id = $1 AND id = $2", tenantId, definitionId))
        {
            switch (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))
            {
                case null:
                    return null;
                case DBNull:
                    throw new WorkflowStateException("workflow_not_published", "Publish the workflow before starting it.");
            }
        }

        var startedBy = origin.ActorType == AuditActorType.User ? origin.ActorId : null;
        var id = await WorkflowStarter.StartAsync(transaction.Connection, transaction.Transaction, tenantId, definitionId, trigger, data, null, startedBy, cancellationToken).ConfigureAwait(false);
        await audit.AppendAsync(transaction.Connection, transaction.Transaction, new AuditEntry(
            tenantId, origin.ActorType, origin.ActorId, auditAction, "workflow_execution", id.ToString(), AuditChanges.Of(null, new { definitionId, trigger }),
            origin.Ip, origin.UserAgent), cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command($"SELECT {Columns} FROM workflow_executions WHERE tenant_id = $1 AND id = $2", tenantId, id);
        var execution = (await ReadAsync(select, cancellationToken).ConfigureAwait(false)).Single();
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return execution;
    }

    private async Task<WorkflowExecution?> TransitionAsync(
        Guid tenantId, Guid executionId, string auditAction, string refusalCode, string refusal, string update, string followUp, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, tenantId, null, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command($"SELECT {Columns} FROM workflow_executions WHERE tenant_id = $1 AND id = $2 FOR UPDATE", tenantId, executionId);
        if ((await ReadAsync(select, cancellationToken).ConfigureAwait(false)).SingleOrDefault() is not { } before)
        {
            return null;
        }

        await using (var change = transaction.Command(update, tenantId, executionId))
        {
            if (await change.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new WorkflowStateException(refusalCode, $"{refusal} This one is {before.Status}.");
            }
        }

        await using (var next = transaction.Command(followUp, tenantId, executionId))
        {
            await next.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await audit.AppendAsync(transaction.Connection, transaction.Transaction, new AuditEntry(
            tenantId, origin.ActorType, origin.ActorId, auditAction, "workflow_execution", executionId.ToString(),
            AuditChanges.Of(new { before.Status }, null), origin.Ip, origin.UserAgent), cancellationToken).ConfigureAwait(false);
        await using var after = transaction.Command($"SELECT {Columns} FROM workflow_executions WHERE tenant_id = $1 AND id = $2", tenantId, executionId);
        var execution = (await ReadAsync(after, cancellationToken).ConfigureAwait(false)).Single();
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return execution;
    }
}
