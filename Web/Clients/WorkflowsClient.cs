using System.Text.Json.Nodes;

namespace Web.Clients;

/// <summary>
/// The organization's workflows at the Api (workflows.* permissions): definitions with their draft graph, published
/// versions, executions and their step history. Graphs stay JSON here: the designer edits them and the Api validates them.
/// </summary>
public sealed class WorkflowsClient(HttpClient http) : ApiClient(http)
{
    private const string Root = "/api/v1/workflows";

    public Task<ApiResult<List<WorkflowInfo>>> ListAsync(CancellationToken cancellationToken = default) =>
        GetAsync<List<WorkflowInfo>>(Root, cancellationToken);

    /// <summary>The triggers and registered actions the designer's palette offers, with their ports and settings.</summary>
    public Task<ApiResult<List<NodeTypeInfo>>> NodeTypesAsync(CancellationToken cancellationToken = default) =>
        GetAsync<List<NodeTypeInfo>>($"{Root}/node-types", cancellationToken);

    public Task<ApiResult<WorkflowInfo>> GetAsync(Guid workflowId, CancellationToken cancellationToken = default) =>
        GetAsync<WorkflowInfo>($"{Root}/{workflowId}", cancellationToken);

    /// <summary>Creates a workflow; a graph the Api refuses comes back as a 422 whose errors are keyed <c>nodes.{id}</c>.</summary>
    public Task<ApiResult<WorkflowInfo>> CreateAsync(string name, string? description, JsonNode graph, CancellationToken cancellationToken = default) =>
        PostAsync<WorkflowInfo>(Root, new { name, description, graph }, cancellationToken);

    public Task<ApiResult<WorkflowInfo>> SaveDraftAsync(Guid workflowId, string name, string? description, JsonNode graph, CancellationToken cancellationToken = default) =>
        PutAsync<WorkflowInfo>($"{Root}/{workflowId}", new { name, description, graph }, cancellationToken);

    public Task<ApiResult<PublishedWorkflow>> PublishAsync(Guid workflowId, CancellationToken cancellationToken = default) =>
        PostAsync<PublishedWorkflow>($"{Root}/{workflowId}/publish", null, cancellationToken);

    /// <summary>Deletes the workflow with its versions and executions.</summary>
    public Task<ApiResult<Done>> DeleteAsync(Guid workflowId, CancellationToken cancellationToken = default) =>
        DeleteAsync($"{Root}/{workflowId}", cancellationToken);

    public Task<ApiResult<List<WorkflowVersionInfo>>> VersionsAsync(Guid workflowId, CancellationToken cancellationToken = default) =>
        GetAsync<List<WorkflowVersionInfo>>($"{Root}/{workflowId}/versions", cancellationToken);

    /// <summary>Starts the published version by hand; its steps read <paramref name="input"/> as <c>trigger.data</c>.</summary>
    public Task<ApiResult<ExecutionInfo>> StartAsync(Guid workflowId, JsonObject input, CancellationToken cancellationToken = default) =>
        PostAsync<ExecutionInfo>($"{Root}/{workflowId}/executions", new { input }, cancellationToken);

    public Task<ApiResult<Page<ExecutionInfo>>> ExecutionsAsync(Guid workflowId, string? cursor = null, int limit = 20, CancellationToken cancellationToken = default) =>
        GetAsync<Page<ExecutionInfo>>($"{Root}/{workflowId}/executions?limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), cancellationToken);

    public Task<ApiResult<ExecutionInfo>> ExecutionAsync(Guid executionId, CancellationToken cancellationToken = default) =>
        GetAsync<ExecutionInfo>($"{Root}/executions/{executionId}", cancellationToken);

    public Task<ApiResult<ExecutionInfo>> CancelAsync(Guid executionId, CancellationToken cancellationToken = default) =>
        PostAsync<ExecutionInfo>($"{Root}/executions/{executionId}/cancel", null, cancellationToken);

    public Task<ApiResult<ExecutionInfo>> RetryAsync(Guid executionId, CancellationToken cancellationToken = default) =>
        PostAsync<ExecutionInfo>($"{Root}/executions/{executionId}/retry", null, cancellationToken);
}

public sealed record WorkflowInfo(
    Guid Id, string Name, string? Description, Guid? OwnerId, JsonObject Draft, int? PublishedVersion, bool HasHook, string? HookUrl, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A node type: <c>trigger</c> or <c>action</c>, the ports edges leave from, the settings its config reads.</summary>
public sealed record NodeTypeInfo(string Type, string Kind, IReadOnlyList<string> OutputPorts, IReadOnlyList<NodeSettingInfo> Settings)
{
    public bool IsTrigger => Kind == "trigger";
}

/// <summary>A config setting: its JSON name, its kind (<c>text</c>, <c>number</c>, <c>flag</c>, <c>json</c>), whether it is required.</summary>
public sealed record NodeSettingInfo(string Name, string Kind, bool Required);

public sealed record WorkflowVersionInfo(Guid DefinitionId, int Version, string TriggerType, string? TriggerValue, DateTimeOffset PublishedAt, Guid? PublishedBy);

/// <summary>A new version; a webhook trigger's token comes back this once.</summary>
public sealed record PublishedWorkflow(WorkflowVersionInfo Version, string? HookUrl, string? HookToken);

public sealed record ExecutionInfo(
    Guid Id, Guid WorkflowId, int Version, string Status, JsonObject? Context, IReadOnlyList<string>? Pending, int Attempt, string? Error, string? FailedNode,
    Guid? StartedBy, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, IReadOnlyList<ExecutionStep>? Steps)
{
    /// <summary>Still under way: the page refreshes itself until it is not.</summary>
    public bool IsActive => Status is "queued" or "running" or "waiting";
}

/// <summary>One attempt of one node.</summary>
public sealed record ExecutionStep(long Id, string NodeId, string NodeType, int Attempt, string Status, JsonNode? Output, string? Error, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt);
