using System.Text.Json.Nodes;
using Npgsql;

namespace Platform.Workflows;

/// <summary>
/// Creates executions, inside the caller's transaction (keyed to the organization): every trigger goes through here.
/// An execution starts queued, with the trigger's data in its context and the trigger's successors pending; the
/// Workers admit it when the organization has a free slot.
/// </summary>
public static class WorkflowStarter
{
    /// <summary>The queue name whose notification wakes idle Workers (on the transport's notify channel).</summary>
    public const string WakeUpQueue = "workflow-executions";

    /// <summary>
    /// Starts the published version of <paramref name="definitionId"/>; null when it has none, or when an execution with the same
    /// <paramref name="triggerKey"/> exists already (that occurrence was handled).
    /// </summary>
    public static async Task<Guid?> StartAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid definitionId, string trigger, JsonNode? data,
        string? triggerKey, Guid? startedBy, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            """
            SELECT v.version, v.graph::text FROM workflow_definitions d
            JOIN workflow_versions v ON v.tenant_id = d.tenant_id AND v.definition_id = d.id AND v.version = d.published_version
            WHERE d.tenant_id = $1 AND d.id = $2
            """, connection, transaction)
        { Parameters = { new() { Value = tenantId }, new() { Value = definitionId } } };
        int version;
        WorkflowGraph graph;
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            version = reader.GetInt32(0);
            graph = WorkflowGraph.Parse(reader.GetString(1));
        }

        var triggerNode = graph.Trigger;
        var context = new JsonObject
        {
            ["trigger"] = new JsonObject { ["type"] = trigger, ["data"] = data?.DeepClone() },
            ["steps"] = new JsonObject { [triggerNode.Id] = new JsonObject { ["output"] = data?.DeepClone() } },
            ["vars"] = new JsonObject(),
        };
        var id = Guid.CreateVersion7();
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO workflow_executions (tenant_id, id, definition_id, version, status, context, pending, trigger_key, started_by)
            VALUES ($1, $2, $3, $4, 'queued', $5::jsonb, $6, $7, $8)
            ON CONFLICT (tenant_id, definition_id, trigger_key) WHERE trigger_key IS NOT NULL DO NOTHING;
            """, connection, transaction)
        {
            Parameters =
            {
                new() { Value = tenantId }, new() { Value = id }, new() { Value = definitionId }, new() { Value = version },
                new() { Value = context.ToJsonString() }, new() { Value = graph.Next(triggerNode.Id, WorkflowEdge.DefaultPort).ToArray() },
                new() { Value = (object?)triggerKey ?? DBNull.Value }, new() { Value = (object?)startedBy ?? DBNull.Value },
            },
        };
        if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return null;
        }

        await using var notify = new NpgsqlCommand("SELECT pg_notify($1, $2)", connection, transaction)
        {
            Parameters = { new() { Value = Messaging.PostgresQueueTransport.NotifyChannel }, new() { Value = WakeUpQueue } },
        };
        await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>The published workflows of the organization whose trigger is <paramref name="kind"/> with <paramref name="value"/>.</summary>
    public static async Task<IReadOnlyList<Guid>> SubscribersAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, string kind, string value, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            """
            SELECT d.id FROM workflow_definitions d
            JOIN workflow_versions v ON v.tenant_id = d.tenant_id AND v.definition_id = d.id AND v.version = d.published_version
            WHERE d.tenant_id = $1 AND v.trigger_type = $2 AND v.trigger_value = $3
            """, connection, transaction)
        { Parameters = { new() { Value = tenantId }, new() { Value = kind }, new() { Value = value } } };
        var ids = new List<Guid>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }
}
