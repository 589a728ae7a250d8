using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Tenancy;

namespace Platform.Workflows;

/// <summary>
/// Runs executions in the Workers. The executions table is the work queue: a Worker claims due rows with
/// <c>FOR UPDATE SKIP LOCKED</c>, stamping a lease (<see cref="WorkflowOptions.Lease"/>) that a heartbeat renews
/// every 0.6 × lease while it works. Each step is committed as it completes (its output, the next nodes), so a Worker
/// that dies loses at most the step in flight: once the lease expires, any Worker claims the row and resumes from
/// the last commit, and that step runs again with the same idempotency key. Every commit is conditional on still
/// holding the lease, so one executor advances an execution at a time even if a slow one wakes up late.
/// </summary>
public sealed partial class WorkflowRunner(
    NpgsqlDataSource dataSource,
    WorkflowActionRegistry actions,
    IServiceScopeFactory scopes,
    IOptions<WorkflowOptions> options,
    ILogger<WorkflowRunner> logger)
{
    private const int MaxErrorLength = 2000;

    private readonly WorkflowOptions _options = options.Value;

    /// <summary>This process's identity on the leases it holds.</summary>
    public Guid WorkerId { get; } = Guid.NewGuid();

    /// <summary>Claims and runs executions until cancelled, up to <see cref="WorkflowOptions.MaxConcurrentExecutionsPerWorker"/> at once.</summary>
    public async Task RunAsync(Func<TimeSpan, CancellationToken, Task> idle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(idle);
        var running = new List<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            running.RemoveAll(t => t.IsCompleted);
            var free = _options.MaxConcurrentExecutionsPerWorker - running.Count;
            IReadOnlyList<Claim> claimed = [];
            if (free > 0)
            {
                try
                {
                    claimed = await ClaimAsync(free, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception error) when (error is NpgsqlException or TimeoutException)
                {
                    LogClaimFailed(logger, error);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }

            running.AddRange(claimed.Select(claim => Task.Run(() => ExecuteAsync(claim, cancellationToken), CancellationToken.None)));
            if (claimed.Count == 0)
            {
                // Sleep until work may be due, or until one of ours finishes and frees a slot.
                var wake = idle(_options.PollInterval, cancellationToken);
                await Task.WhenAny(running.Append(wake)).ConfigureAwait(false);
            }
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    /// <summary>Claims what is due and runs each claimed execution to its next stop (end, delay, retry backoff); returns how many were claimed.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken = default)
    {
        var claimed = await ClaimAsync(_options.MaxConcurrentExecutionsPerWorker, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(claimed.Select(claim => ExecuteAsync(claim, cancellationToken))).ConfigureAwait(false);
        return claimed.Count;
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> executions: admitted ones whose lease ended or backoff elapsed, then queued or
    /// waiting ones as far as each organization's concurrency limit allows (counted under a per-organization lock, so
    /// Workers admitting at the same moment cannot overshoot it).
    /// </summary>
    internal async Task<IReadOnlyList<Claim>> ClaimAsync(int max, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await TenantSession.ApplySystemAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var claims = new List<Claim>();
        await using (var resume = new NpgsqlCommand(
            """
            UPDATE workflow_executions SET lease_owner = $1, lease_until = now() + $2, updated_at = now()
            WHERE (tenant_id, id) IN (
                SELECT tenant_id, id FROM workflow_executions
                WHERE status = 'running' AND due_at <= now() AND (lease_until IS NULL OR lease_until < now())
                ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING tenant_id, id
            """, connection, transaction)
        { Parameters = { new() { Value = WorkerId }, new() { Value = _options.Lease }, new() { Value = max } } })
        {
            claims.AddRange(await ReadClaimsAsync(resume, cancellationToken).ConfigureAwait(false));
        }

        if (claims.Count < max)
        {
            var limit = _options.MaxConcurrentExecutionsPerTenant;
            List<Claim> candidates;
            await using (var select = new NpgsqlCommand(
                """
                SELECT e.tenant_id, e.id FROM workflow_executions e
                WHERE e.status IN ('queued', 'waiting') AND e.due_at <= now()
                  AND (SELECT count(*) FROM workflow_executions r WHERE r.tenant_id = e.tenant_id AND r.status = 'running') < $1
                ORDER BY e.due_at LIMIT $2 FOR UPDATE SKIP LOCKED
                """, connection, transaction)
            { Parameters = { new() { Value = limit }, new() { Value = max - claims.Count } } })
            {
                candidates = await ReadClaimsAsync(select, cancellationToken).ConfigureAwait(false);
            }

            foreach (var tenant in candidates.GroupBy(c => c.TenantId).OrderBy(g => g.Key))
            {
                await using (var gate = new NpgsqlCommand(
                    "SELECT pg_advisory_xact_lock(hashtextextended('workflow_admission:' || $1::text, 0))", connection, transaction)
                { Parameters = { new() { Value = tenant.Key } } })
                {
                    await gate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using var admit = new NpgsqlCommand(
                    """
                    UPDATE workflow_executions SET status = 'running', lease_owner = $2, lease_until = now() + $3,
                        started_at = coalesce(started_at, now()), updated_at = now()
                    WHERE tenant_id = $1 AND id = ANY($4[1:greatest(0, $5 - (SELECT count(*) FROM workflow_executions WHERE tenant_id = $1 AND status = 'running'))::int])
                    RETURNING tenant_id, id
                    """, connection, transaction)
                {
                    Parameters =
                    {
                        new() { Value = tenant.Key }, new() { Value = WorkerId }, new() { Value = _options.Lease },
                        new() { Value = tenant.Select(c => c.ExecutionId).ToArray() }, new() { Value = limit },
                    },
                };
                claims.AddRange(await ReadClaimsAsync(admit, cancellationToken).ConfigureAwait(false));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return claims;
    }

    /// <summary>Runs a claimed execution step by step until it ends, waits, backs off, or the lease is lost.</summary>
    internal async Task ExecuteAsync(Claim claim, CancellationToken stoppingToken)
    {
        using var lease = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(claim, lease, heartbeatStop.Token);
        Exception? broken = null;
        try
        {
            await StepThroughAsync(claim, lease.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lease.IsCancellationRequested)
        {
            // Lost the lease (cancelled, or another Worker took over) or shutting down: whoever holds it next resumes.
            LogStopped(logger, claim.TenantId, claim.ExecutionId);
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException)
        {
            // The lease runs out and the execution is resumed from its last commit.
            LogExecutionFailed(logger, claim.TenantId, claim.ExecutionId, error);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // Not the database and not a step (those are caught per step): the execution itself cannot go on (a
            // version that lost a node, unreadable state). Resuming it would fail the same way forever.
            broken = error;
        }
        finally
        {
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }

        if (broken is not null)
        {
            LogExecutionBroken(logger, claim.TenantId, claim.ExecutionId, broken);
            var reason = $"{broken.GetType().Name}: {broken.Message}";
            await CommitFailureAsync(claim, "UPDATE workflow_executions SET status = 'failed', error = $3, finished_at = now(), lease_owner = NULL, lease_until = NULL, updated_at = now()",
                [reason], null, null, reason, CancellationToken.None).ConfigureAwait(false);
        }

        if (stoppingToken.IsCancellationRequested)
        {
            await ReleaseAsync(claim).ConfigureAwait(false);
        }
    }

    private async Task StepThroughAsync(Claim claim, CancellationToken cancellationToken)
    {
        var state = await LoadAsync(claim, cancellationToken).ConfigureAwait(false);
        while (state is { Status: WorkflowExecutionStatus.Running } && state.LeaseOwner == WorkerId)
        {
            if (state.Pending.Count == 0)
            {
                await CommitAsync(claim, "UPDATE workflow_executions SET status = 'completed', finished_at = now(), lease_owner = NULL, lease_until = NULL, updated_at = now()", [], null, cancellationToken).ConfigureAwait(false);
                LogCompleted(logger, claim.TenantId, claim.ExecutionId);
                return;
            }

            var node = state.Graph.Node(state.Pending[0]) ?? throw new InvalidOperationException($"Node '{state.Pending[0]}' is not in version {state.Version}.");
            var action = actions.Find(node.Type);
            var attempt = state.Attempt + 1;
            long? stepId = null;
            if (action?.HasSideEffects != false)
            {
                // Recorded before it runs, so an attempt cut short by a crash shows as abandoned and counts.
                stepId = await BeginStepAsync(claim, node, attempt, cancellationToken).ConfigureAwait(false);
                if (stepId is null)
                {
                    return;
                }
            }

            var outcome = await RunStepAsync(claim, state, node, action, attempt, cancellationToken).ConfigureAwait(false);
            if (outcome.Result is { } result)
            {
                var context = state.Context.DeepClone().AsObject();
                context["steps"]!.AsObject()[node.Id] = new JsonObject { ["output"] = result.Output?.DeepClone() };
                foreach (var (name, value) in result.Variables ?? new Dictionary<string, JsonNode?>())
                {
                    context["vars"]!.AsObject()[name] = value?.DeepClone();
                }

                var pending = state.Pending.Skip(1).Concat(state.Graph.Next(node.Id, result.Port)).ToList();
                var waits = result.ResumeAt is not null;
                var finished = !waits && pending.Count == 0;
                var update = waits
                    ? "UPDATE workflow_executions SET status = 'waiting', context = $3::jsonb, pending = $4, attempt = 0, due_at = $5, lease_owner = NULL, lease_until = NULL, updated_at = now()"
                    : finished
                        // The last step's commit completes the execution: one transaction fewer per run.
                        ? "UPDATE workflow_executions SET status = 'completed', context = $3::jsonb, pending = $4, attempt = 0, finished_at = now(), lease_owner = NULL, lease_until = NULL, updated_at = now()"
                        : "UPDATE workflow_executions SET context = $3::jsonb, pending = $4, attempt = 0, due_at = now(), lease_until = now() + $5, updated_at = now()";
                var committed = await CommitAsync(
                    claim,
                    update,
                    waits ? [context.ToJsonString(), pending.ToArray(), result.ResumeAt!.Value]
                        : finished ? [context.ToJsonString(), pending.ToArray()]
                        : [context.ToJsonString(), pending.ToArray(), _options.Lease],
                    StepRecord(claim, node, attempt, stepId, "completed", result.Output?.ToJsonString(), null),
                    cancellationToken).ConfigureAwait(false);
                if (!committed || waits)
                {
                    return;
                }

                if (finished)
                {
                    LogCompleted(logger, claim.TenantId, claim.ExecutionId);
                    return;
                }

                state = state with { Context = context, Pending = pending, Attempt = 0 };
                continue;
            }

            var error = outcome.Error!;
            var retry = node.Retry ?? _options.DefaultRetry;
            var step = StepRecord(claim, node, attempt, stepId, "failed", null, error);
            if (attempt < retry.MaxAttempts)
            {
                var delay = retry.DelayAfter(attempt);
                LogStepRetrying(logger, claim.TenantId, claim.ExecutionId, node.Id, attempt, delay, error);
                await CommitAsync(claim, "UPDATE workflow_executions SET attempt = $3, due_at = now() + $4, lease_owner = NULL, lease_until = NULL, updated_at = now()", [attempt, delay], step, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                LogStepFailed(logger, claim.TenantId, claim.ExecutionId, node.Id, attempt, error);
                await CommitFailureAsync(claim, "UPDATE workflow_executions SET attempt = $3, status = 'failed', error = $4, failed_node = $5, finished_at = now(), lease_owner = NULL, lease_until = NULL, updated_at = now()",
                    [attempt, error, node.Id], step, node.Id, error, cancellationToken).ConfigureAwait(false);
            }

            return;
        }
    }

    /// <summary>How the attempt's outcome is written: an update of the row recorded at its start, or the whole row when there was none.</summary>
    private static (string Sql, object?[] Parameters) StepRecord(Claim claim, WorkflowNode node, int attempt, long? stepId, string status, string? output, string? error) =>
        stepId is { } id
            ? ("UPDATE workflow_steps SET status = $2, output = $3::jsonb, error = $4, finished_at = now() WHERE tenant_id = $1 AND id = $5", [status, output, error, id])
            : ("INSERT INTO workflow_steps (tenant_id, execution_id, node_id, node_type, attempt, status, output, error, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, now())",
                [claim.ExecutionId, node.Id, node.Type, attempt, status, output, error]);

    private async Task<(WorkflowActionResult? Result, string? Error)> RunStepAsync(
        Claim claim, ExecutionState state, WorkflowNode node, IWorkflowAction? action, int attempt, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var limit = node.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : _options.DefaultStepTimeout;
        timeout.CancelAfter(limit);
        try
        {
            if (action is null)
            {
                throw new InvalidOperationException($"No action is registered for '{node.Type}'.");
            }

            var config = (WorkflowTemplate.RenderNode(node.Config ?? [], state.Context) as JsonObject) ?? [];
            await using var scope = scopes.CreateAsyncScope();
            var context = new WorkflowActionContext(claim.TenantId, claim.ExecutionId, node.Id, attempt, state.OwnerId, config, state.Context, scope.ServiceProvider);
            return (await action.ExecuteAsync(context, timeout.Token).ConfigureAwait(false), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            return (null, $"Timed out after {limit.TotalSeconds:0.###} s.");
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            var message = $"{error.GetType().Name}: {error.Message}";
            return (null, message.Length > MaxErrorLength ? message[..MaxErrorLength] : message);
        }
    }

    /// <summary>Records the attempt as started (abandoning one a dead Worker left running); null when the lease is gone.</summary>
    private async Task<long?> BeginStepAsync(Claim claim, WorkflowNode node, int attempt, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, claim.TenantId, null, cancellationToken).ConfigureAwait(false);
        await using (var own = transaction.Command(
            "UPDATE workflow_executions SET attempt = $4, lease_until = now() + $5, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3 AND status = 'running'",
            claim.TenantId, claim.ExecutionId, WorkerId, attempt, _options.Lease))
        {
            if (await own.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return null;
            }
        }

        await using (var abandon = transaction.Command(
            "UPDATE workflow_steps SET status = 'abandoned', finished_at = now(), error = 'The Worker running this attempt stopped before it finished.' WHERE tenant_id = $1 AND execution_id = $2 AND status = 'running'",
            claim.TenantId, claim.ExecutionId))
        {
            await abandon.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var insert = transaction.Command(
            "INSERT INTO workflow_steps (tenant_id, execution_id, node_id, node_type, attempt, status) VALUES ($1, $2, $3, $4, $5, 'running') RETURNING id",
            claim.TenantId, claim.ExecutionId, node.Id, node.Type, attempt);
        var id = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>
    /// Applies <paramref name="executionUpdate"/> (parameters $1 tenant, $2 id, then <paramref name="parameters"/>) only
    /// while this Worker holds the lease of a running execution, with the step's own update in the same transaction.
    /// </summary>
    private Task<bool> CommitAsync(Claim claim, string executionUpdate, object?[] parameters, (string Sql, object?[] Parameters)? step, CancellationToken cancellationToken) =>
        CommitAsync(claim, executionUpdate, parameters, step, null, cancellationToken);

    /// <summary>
    /// Records the execution as failed for good and, in the same transaction, tells its owner (<see cref="WorkflowFailureNotice"/>);
    /// the in-app notice is streamed once committed.
    /// </summary>
    private async Task CommitFailureAsync(
        Claim claim, string executionUpdate, object?[] parameters, (string Sql, object?[] Parameters)? step, string? failedNode, string reason, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        (Guid UserId, Platform.Notifications.Notification Notification)? notice = null;
        var committed = await CommitAsync(claim, executionUpdate, parameters, step, async (transaction, token) =>
            notice = await WorkflowFailureNotice.SendAsync(transaction, scope.ServiceProvider, claim.TenantId, claim.ExecutionId, failedNode, reason, logger, token).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        if (committed && notice is { } sent)
        {
            await scope.ServiceProvider.GetRequiredService<Platform.Notifications.NotificationService>()
                .PublishAsync(claim.TenantId, sent.UserId, sent.Notification, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> CommitAsync(
        Claim claim, string executionUpdate, object?[] parameters, (string Sql, object?[] Parameters)? step, Func<TenantTransaction, CancellationToken, Task>? alongside, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, claim.TenantId, null, cancellationToken).ConfigureAwait(false);
        var ownerParameter = parameters.Length + 3;
        await using (var update = transaction.Command(
            $"{executionUpdate} WHERE tenant_id = $1 AND id = $2 AND lease_owner = ${ownerParameter} AND status = 'running'",
            [claim.TenantId, claim.ExecutionId, .. parameters, WorkerId]))
        {
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                // Cancelled, or another Worker holds it now: this Worker's result is not the execution's.
                return false;
            }
        }

        if (step is { } s)
        {
            await using var stepUpdate = transaction.Command(s.Sql, [claim.TenantId, .. s.Parameters]);
            await stepUpdate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (alongside is not null)
        {
            await alongside(transaction, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<ExecutionState?> LoadAsync(Claim claim, CancellationToken cancellationToken)
    {
        await using var transaction = await TenantTransaction.BeginAsync(dataSource, claim.TenantId, null, cancellationToken).ConfigureAwait(false);
        await using var select = transaction.Command(
            """
            SELECT e.status, e.lease_owner, e.context::text, e.pending, e.attempt, e.version, v.graph::text, d.owner_id
            FROM workflow_executions e
            JOIN workflow_versions v ON v.tenant_id = e.tenant_id AND v.definition_id = e.definition_id AND v.version = e.version
            JOIN workflow_definitions d ON d.tenant_id = e.tenant_id AND d.id = e.definition_id
            WHERE e.tenant_id = $1 AND e.id = $2
            """,
            claim.TenantId, claim.ExecutionId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new ExecutionState(
            reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), JsonNode.Parse(reader.GetString(2))!.AsObject(),
            [.. reader.GetFieldValue<string[]>(3)], reader.GetInt32(4), reader.GetInt32(5), WorkflowGraph.Parse(reader.GetString(6)), reader.IsDBNull(7) ? null : reader.GetGuid(7));
    }

    /// <summary>Renews the lease every 0.6 × lease; cancels the run when the lease is gone (cancelled, or taken over).</summary>
    private async Task HeartbeatAsync(Claim claim, CancellationTokenSource lease, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.Lease * 0.6);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    await using var transaction = await TenantTransaction.BeginAsync(dataSource, claim.TenantId, null, stop).ConfigureAwait(false);
                    await using var renew = transaction.Command(
                        "UPDATE workflow_executions SET lease_until = now() + $4 WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3 AND status IN ('running', 'waiting')",
                        claim.TenantId, claim.ExecutionId, WorkerId, _options.Lease);
                    var renewed = await renew.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                    await transaction.CommitAsync(stop).ConfigureAwait(false);
                    if (renewed == 0)
                    {
                        await lease.CancelAsync().ConfigureAwait(false);
                        return;
                    }
                }
                catch (Exception error) when (error is NpgsqlException or TimeoutException)
                {
                    LogHeartbeatFailed(logger, claim.TenantId, claim.ExecutionId, error);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>On shutdown, hands the execution back at once instead of making others wait for the lease to run out.</summary>
    private async Task ReleaseAsync(Claim claim)
    {
        try
        {
            await using var transaction = await TenantTransaction.BeginAsync(dataSource, claim.TenantId, null, CancellationToken.None).ConfigureAwait(false);
            await using var release = transaction.Command(
                "UPDATE workflow_executions SET lease_owner = NULL, lease_until = NULL, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3",
                claim.TenantId, claim.ExecutionId, WorkerId);
            await release.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException)
        {
            LogExecutionFailed(logger, claim.TenantId, claim.ExecutionId, error);
        }
    }

    private static async Task<List<Claim>> ReadClaimsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var claims = new List<Claim>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            claims.Add(new Claim(reader.GetGuid(0), reader.GetGuid(1)));
        }

        return claims;
    }

    internal sealed record Claim(Guid TenantId, Guid ExecutionId);

    private sealed record ExecutionState(string Status, Guid? LeaseOwner, JsonObject Context, List<string> Pending, int Attempt, int Version, WorkflowGraph Graph, Guid? OwnerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not claim workflow executions; trying again shortly")]
    private static partial void LogClaimFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow execution {TenantId}/{ExecutionId} completed")]
    private static partial void LogCompleted(ILogger logger, Guid tenantId, Guid executionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow execution {TenantId}/{ExecutionId} stopped here (cancelled, taken over, or shutting down)")]
    private static partial void LogStopped(ILogger logger, Guid tenantId, Guid executionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow execution {TenantId}/{ExecutionId} interrupted by the database; it resumes when its lease ends")]
    private static partial void LogExecutionFailed(ILogger logger, Guid tenantId, Guid executionId, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow execution {TenantId}/{ExecutionId}: step {NodeId} attempt {Attempt} failed ({Reason}); retrying in {Delay}")]
    private static partial void LogStepRetrying(ILogger logger, Guid tenantId, Guid executionId, string nodeId, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow execution {TenantId}/{ExecutionId}: step {NodeId} failed after {Attempt} attempts ({Reason})")]
    private static partial void LogStepFailed(ILogger logger, Guid tenantId, Guid executionId, string nodeId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Workflow execution {TenantId}/{ExecutionId} cannot continue; marked failed")]
    private static partial void LogExecutionBroken(ILogger logger, Guid tenantId, Guid executionId, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat of workflow execution {TenantId}/{ExecutionId} failed")]
    private static partial void LogHeartbeatFailed(ILogger logger, Guid tenantId, Guid executionId, Exception error);
}
