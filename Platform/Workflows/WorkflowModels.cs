using System.Text.Json.Nodes;

namespace Platform.Workflows;

/// <summary>A workflow of an organization: its editable draft and the version its triggers start.</summary>
public sealed record WorkflowDefinition(
    Guid Id, string Name, string? Description, Guid? OwnerId, WorkflowGraph Draft, int? PublishedVersion, bool HasHook, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A published, immutable version; executions pin the one they started on.</summary>
public sealed record WorkflowVersion(Guid DefinitionId, int Version, WorkflowGraph Graph, string TriggerType, string? TriggerValue, DateTimeOffset PublishedAt, Guid? PublishedBy);

/// <summary>The outcome of publishing: the new version, and the inbound webhook's token when one was issued (shown once).</summary>
public sealed record WorkflowPublication(WorkflowVersion Version, string? HookToken);

/// <summary>One run of a workflow version.</summary>
public sealed record WorkflowExecution(
    Guid Id, Guid DefinitionId, int Version, string Status, JsonObject Context, IReadOnlyList<string> Pending, int Attempt,
    string? Error, string? FailedNode, Guid? StartedBy, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, DateTimeOffset DueAt);

/// <summary>One attempt of one node of an execution.</summary>
public sealed record WorkflowStep(
    long Id, string NodeId, string NodeType, int Attempt, string Status, JsonNode? Output, string? Error, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt);

/// <summary>The states of an execution.</summary>
public static class WorkflowExecutionStatus
{
    /// <summary>Waiting for a slot under the organization's concurrency limit.</summary>
    public const string Queued = "queued";

    /// <summary>Admitted: a Worker runs it (or will, after a retry's backoff or a lost lease).</summary>
    public const string Running = "running";

    /// <summary>Suspended by a delay until its due time.</summary>
    public const string Waiting = "waiting";

    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> All = [Queued, Running, Waiting, Completed, Failed, Cancelled];
}

/// <summary>A graph that cannot be saved or published, with messages per node (<c>nodes.{id}</c>), edge or the whole graph.</summary>
public sealed class WorkflowValidationException(IDictionary<string, string[]> errors) : Exception("The workflow is not valid.")
{
    public IDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>An operation that does not fit the workflow's or execution's state (e.g. starting an unpublished workflow).</summary>
public sealed class WorkflowStateException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
