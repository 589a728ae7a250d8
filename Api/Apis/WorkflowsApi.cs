using System.Text.Json;
using System.Text.Json.Nodes;
using Api.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Access;
using Platform.Data.Paging;
using Platform.Tenancy;
using Platform.Workflows;

namespace Api.Apis;

/// <summary>
/// Workflow automation: definitions with a validated draft and published versions, executions started by hand or by
/// the inbound webhook, their step history, cancellation and retry from the failed step.
/// </summary>
public static class WorkflowsApi
{
    /// <summary>The header that carries an inbound webhook's secret token.</summary>
    public const string HookTokenHeader = "X-Workflow-Token";

    public static RouteGroupBuilder MapWorkflowsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/workflows").WithTags("Workflows");

        api.MapGet("/", ListAsync).WithName("ListWorkflows").WithSummary("The organization's workflows.")
            .RequirePermission(Permissions.Workflows.Read);
        api.MapGet("/node-types", NodeTypes).WithName("ListWorkflowNodeTypes")
            .WithSummary("The triggers and registered actions a graph may use, with their output ports and settings (for editors).")
            .RequirePermission(Permissions.Workflows.Read);
        api.MapPost("/", CreateAsync).WithName("CreateWorkflow").WithSummary("Create a workflow with its draft graph (validated: 422 names the nodes at fault).")
            .WithIdempotency()
            .RequirePermission(Permissions.Workflows.Create);
        api.MapGet("/{workflowId:guid}", GetAsync).WithName("GetWorkflow").WithSummary("One workflow with its draft.")
            .RequirePermission(Permissions.Workflows.Read);
        api.MapPut("/{workflowId:guid}", SaveDraftAsync).WithName("SaveWorkflowDraft").WithSummary("Save the draft (validated: 422 names the nodes at fault); published versions stay as they are.")
            .RequirePermission(Permissions.Workflows.Update);
        api.MapDelete("/{workflowId:guid}", DeleteAsync).WithName("DeleteWorkflow").WithSummary("Delete a workflow with its versions and executions.")
            .RequirePermission(Permissions.Workflows.Delete);
        api.MapPost("/{workflowId:guid}/publish", PublishAsync).WithName("PublishWorkflow")
            .WithSummary("Publish the draft as a new immutable version; its trigger starts that version from now on. A webhook trigger's token is returned once.")
            .RequirePermission(Permissions.Workflows.Publish);
        api.MapGet("/{workflowId:guid}/versions", ListVersionsAsync).WithName("ListWorkflowVersions").WithSummary("Published versions, newest first.")
            .RequirePermission(Permissions.Workflows.Read);
        api.MapPost("/{workflowId:guid}/executions", StartAsync).WithName("StartWorkflow").WithSummary("Start the published version by hand, with an input (trigger.data).")
            .RequirePermission(Permissions.Workflows.Execute);
        api.MapGet("/{workflowId:guid}/executions", ListExecutionsAsync).WithName("ListWorkflowExecutions")
            .WithSummary("Executions, newest first (cursor pagination, optional ?status=).")
            .RequirePermission(Permissions.Workflows.Read);
        api.MapGet("/executions/{executionId:guid}", GetExecutionAsync).WithName("GetWorkflowExecution").WithSummary("One execution with every step attempt.")
            .RequirePermission(Permissions.Workflows.Read);
        api.MapPost("/executions/{executionId:guid}/cancel", CancelAsync).WithName("CancelWorkflowExecution").WithSummary("Cancel a queued, running or waiting execution.")
            .RequirePermission(Permissions.Workflows.Cancel);
        api.MapPost("/executions/{executionId:guid}/retry", RetryAsync).WithName("RetryWorkflowExecution")
            .WithSummary("Run a failed execution again from the step that failed; completed steps are not repeated.")
            .RequirePermission(Permissions.Workflows.Cancel);
        // Anonymous, so counted against the per-client anonymous rate limit like every anonymous endpoint.
        api.MapPost("/hooks/{workflowId:guid}", HookAsync).WithName("WorkflowHook")
            .WithSummary($"Inbound webhook: starts the workflow with the JSON body as trigger.data when {HookTokenHeader} holds its token.")
            .AllowAnonymous();
        return api;
    }

    public sealed record WorkflowRequest(string Name, string? Description, WorkflowGraph Graph);

    public sealed record StartRequest(JsonNode? Input);

    public sealed record WorkflowResponse(
        Guid Id, string Name, string? Description, Guid? OwnerId, WorkflowGraph Draft, int? PublishedVersion, bool HasHook, string? HookUrl, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    public sealed record PublishResponse(WorkflowVersion Version, string? HookUrl, string? HookToken);

    public sealed record ExecutionResponse(
        Guid Id, Guid WorkflowId, int Version, string Status, JsonObject Context, IReadOnlyList<string> Pending, int Attempt, string? Error, string? FailedNode,
        Guid? StartedBy, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, IReadOnlyList<WorkflowStep>? Steps);

    public static async Task<Ok<List<WorkflowResponse>>> ListAsync(TenantContext tenant, WorkflowDefinitionService workflows, CancellationToken cancellationToken) =>
        TypedResults.Ok((await workflows.ListAsync(tenant.RequiredTenantId, cancellationToken)).Select(ToResponse).ToList());

    public static Ok<IReadOnlyList<WorkflowNodeType>> NodeTypes(WorkflowActionRegistry actions) => TypedResults.Ok(actions.NodeTypes());

    public static async Task<Created<WorkflowResponse>> CreateAsync(WorkflowRequest request, TenantContext tenant, WorkflowDefinitionService workflows, CancellationToken cancellationToken)
    {
        var created = await workflows.CreateAsync(tenant.RequiredTenantId, request.Name ?? "", request.Description, request.Graph ?? new WorkflowGraph(), cancellationToken);
        return TypedResults.Created($"/api/v1/workflows/{created.Id}", ToResponse(created));
    }

    public static async Task<Results<Ok<WorkflowResponse>, NotFound>> GetAsync(Guid workflowId, TenantContext tenant, WorkflowDefinitionService workflows, CancellationToken cancellationToken) =>
        await workflows.GetAsync(tenant.RequiredTenantId, workflowId, cancellationToken) is { } found ? TypedResults.Ok(ToResponse(found)) : TypedResults.NotFound();

    public static async Task<Results<Ok<WorkflowResponse>, NotFound>> SaveDraftAsync(
        Guid workflowId, WorkflowRequest request, TenantContext tenant, WorkflowDefinitionService workflows, CancellationToken cancellationToken) =>
        await workflows.SaveDraftAsync(tenant.RequiredTenantId, workflowId, request.Name ?? "", request.Description, request.Graph ?? new WorkflowGraph(), cancellationToken) is { } saved
            ? TypedResults.Ok(ToResponse(saved))
            : TypedResults.NotFound();

    public static async Task<Results<NoContent, NotFound>> DeleteAsync(Guid workflowId, TenantContext tenant, WorkflowDefinitionService workflows, CancellationToken cancellationToken) =>
        await workflows.DeleteAsync(tenant.RequiredTenantId, workflowId, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<Results<Ok<PublishResponse>, NotFound>> PublishAsync(Guid workflowId, TenantContext tenant, WorkflowDefinitionService workflows, CancellationToken cancellationToken)
    {
        if (await workflows.PublishAsync(tenant.RequiredTenantId, workflowId, cancellationToken) is not { } published)
        {
            return TypedResults.NotFound();
        }

        var hookUrl = published.Version.TriggerType == "webhook" ? HookUrl(workflowId) : null;
        return TypedResults.Ok(new PublishResponse(published.Version, hookUrl, published.HookToken));
    }

    public static async Task<Results<Ok<IReadOnlyList<WorkflowVersion>>, NotFound>> ListVersionsAsync(
        Guid workflowId, TenantContext tenant, WorkflowDefinitionService workflows, CancellationToken cancellationToken) =>
        await workflows.ListVersionsAsync(tenant.RequiredTenantId, workflowId, cancellationToken) is { } versions ? TypedResults.Ok(versions) : TypedResults.NotFound();

    public static async Task<Results<Accepted<ExecutionResponse>, NotFound>> StartAsync(
        Guid workflowId, StartRequest? request, TenantContext tenant, WorkflowExecutionService executions, CancellationToken cancellationToken) =>
        await executions.StartManuallyAsync(tenant.RequiredTenantId, workflowId, request?.Input, cancellationToken) is { } started
            ? TypedResults.Accepted($"/api/v1/workflows/executions/{started.Id}", ToResponse(started, null))
            : TypedResults.NotFound();

    public static async Task<Results<Ok<Page<ExecutionResponse>>, NotFound, ValidationProblem>> ListExecutionsAsync(
        Guid workflowId, string? status, int? limit, string? cursor, TenantContext tenant, WorkflowExecutionService executions, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(limit, cursor, out var page, out var problem))
        {
            return problem;
        }

        if (status is not null && !WorkflowExecutionStatus.All.Contains(status))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = [$"One of {string.Join(", ", WorkflowExecutionStatus.All)}."] });
        }

        if (await executions.ListAsync(tenant.RequiredTenantId, workflowId, status, page.Limit + 1, page.After, page.AfterId, cancellationToken) is not { } rows)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(Paging.ToPage(rows, page, e => ToResponse(e, null), item => (item.CreatedAt, item.Id)));
    }

    public static async Task<Results<Ok<ExecutionResponse>, NotFound>> GetExecutionAsync(
        Guid executionId, TenantContext tenant, WorkflowExecutionService executions, CancellationToken cancellationToken) =>
        await executions.GetAsync(tenant.RequiredTenantId, executionId, cancellationToken) is { } found
            ? TypedResults.Ok(ToResponse(found.Execution, found.Steps))
            : TypedResults.NotFound();

    public static async Task<Results<Ok<ExecutionResponse>, NotFound>> CancelAsync(
        Guid executionId, TenantContext tenant, WorkflowExecutionService executions, CancellationToken cancellationToken) =>
        await executions.CancelAsync(tenant.RequiredTenantId, executionId, cancellationToken) is { } cancelled ? TypedResults.Ok(ToResponse(cancelled, null)) : TypedResults.NotFound();

    public static async Task<Results<Ok<ExecutionResponse>, NotFound>> RetryAsync(
        Guid executionId, TenantContext tenant, WorkflowExecutionService executions, CancellationToken cancellationToken) =>
        await executions.RetryAsync(tenant.RequiredTenantId, executionId, cancellationToken) is { } retried ? TypedResults.Ok(ToResponse(retried, null)) : TypedResults.NotFound();

    /// <summary>A wrong id and a wrong token answer the same 404, so the endpoint tells a caller nothing.</summary>
    public static async Task<Results<Accepted<HookResponse>, NotFound, ValidationProblem>> HookAsync(
        Guid workflowId, HttpRequest request, WorkflowExecutionService executions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        JsonNode? body = null;
        if (request.ContentLength is not 0)
        {
            try
            {
                body = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
            }
            catch (JsonException)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["The body must be JSON (or empty)."] });
            }
        }

        var started = await executions.StartFromHookAsync(workflowId, request.Headers[HookTokenHeader].FirstOrDefault(), body, cancellationToken);
        return started is null ? TypedResults.NotFound() : TypedResults.Accepted((string?)null, new HookResponse(started.Id));
    }

    public sealed record HookResponse(Guid ExecutionId);

    private static string HookUrl(Guid workflowId) => $"/api/v1/workflows/hooks/{workflowId}";

    private static WorkflowResponse ToResponse(WorkflowDefinition d) =>
        new(d.Id, d.Name, d.Description, d.OwnerId, d.Draft, d.PublishedVersion, d.HasHook, d.HasHook ? HookUrl(d.Id) : null, d.CreatedAt, d.UpdatedAt);

    private static ExecutionResponse ToResponse(WorkflowExecution e, IReadOnlyList<WorkflowStep>? steps) =>
        new(e.Id, e.DefinitionId, e.Version, e.Status, e.Context, e.Pending, e.Attempt, e.Error, e.FailedNode, e.StartedBy, e.CreatedAt, e.StartedAt, e.FinishedAt, steps);
}
