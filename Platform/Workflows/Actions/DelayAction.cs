using System.Globalization;
using System.Text.Json.Nodes;

namespace Platform.Workflows.Actions;

/// <summary>
/// Waits <c>{"seconds": 3600}</c> or <c>{"until": "2026-12-01T09:00:00Z"}</c> (a template may supply it). Durable: the
/// execution is suspended with a due time in the database and any Worker resumes it then, whatever restarted since.
/// </summary>
public sealed class DelayAction(TimeProvider clock) : IWorkflowAction
{
    public string Type => "delay";

    public IReadOnlyList<WorkflowSetting> Settings { get; } = [WorkflowSetting.Number("seconds"), WorkflowSetting.Text("until")];

    public bool HasSideEffects => false;

    public IEnumerable<string> Validate(JsonObject config)
    {
        var hasSeconds = config["seconds"] is JsonValue seconds && seconds.TryGetValue<double>(out var s) && s >= 0;
        var hasUntil = config["until"] is JsonValue until && until.TryGetValue<string>(out _);
        if (hasSeconds == hasUntil)
        {
            yield return "Give either seconds (a non-negative number) or until (a time, ISO 8601).";
        }
    }

    public Task<WorkflowActionResult> ExecuteAsync(WorkflowActionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var now = clock.GetUtcNow();
        DateTimeOffset until;
        if (context.Config["seconds"] is JsonValue seconds && seconds.TryGetValue<double>(out var s))
        {
            until = now.AddSeconds(s);
        }
        else if (!DateTimeOffset.TryParse(context.Text("until"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out until))
        {
            throw new WorkflowTemplateException($"until: '{context.Text("until")}' is not a time.");
        }

        return Task.FromResult(new WorkflowActionResult(new JsonObject { ["until"] = until }, ResumeAt: until > now ? until : null));
    }
}
