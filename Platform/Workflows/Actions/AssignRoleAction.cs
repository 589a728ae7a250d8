using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Platform.Access;

namespace Platform.Workflows.Actions;

/// <summary>
/// Updates a record: gives a member a role or takes it away, <c>{"userId":"…","roleId":"…","assign":true}</c>, as the
/// workflow's owner. The owner must hold <c>roles.assign</c> now (checked through <see cref="PermissionEvaluator"/>, so
/// an owner who lost the right since publishing cannot act through the workflow), and <see cref="RoleService"/> applies
/// its own rules (the owner must hold the role's permissions) and audits the change as the owner.
/// </summary>
public sealed class AssignRoleAction(PermissionEvaluator permissions) : IWorkflowAction
{
    public string Type => "record.assign_role";

    public IReadOnlyList<WorkflowSetting> Settings { get; } = [WorkflowSetting.Text("userId", required: true), WorkflowSetting.Text("roleId", required: true), WorkflowSetting.Flag("assign")];

    public IEnumerable<string> Validate(JsonObject config)
    {
        foreach (var name in new[] { "userId", "roleId" })
        {
            if (config[name] is not JsonValue value || !value.TryGetValue<string>(out var id) || !(Guid.TryParse(id, out _) || id.Contains("{{", StringComparison.Ordinal)))
            {
                yield return $"{name}: an id (templates allowed).";
            }
        }

        if (config["assign"] is { } assign && (assign is not JsonValue flag || !flag.TryGetValue<bool>(out _)))
        {
            yield return "assign: true to give the role (default), false to take it away.";
        }
    }

    public async Task<WorkflowActionResult> ExecuteAsync(WorkflowActionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.OwnerId is not { } owner)
        {
            throw new AccessDeniedException([Permissions.Roles.Assign], "This workflow has no owning member to act as; only a member's workflow may change records.");
        }

        if (!Guid.TryParse(context.Text("userId"), out var userId) || !Guid.TryParse(context.Text("roleId"), out var roleId))
        {
            throw new WorkflowTemplateException("userId and roleId must render to ids.");
        }

        if (!await permissions.HasPermissionAsync(context.TenantId, owner, Permissions.Roles.Assign, cancellationToken).ConfigureAwait(false))
        {
            throw new AccessDeniedException([Permissions.Roles.Assign], $"The workflow's owner does not hold {Permissions.Roles.Assign}.");
        }

        var roles = context.Services.GetRequiredService<RoleService>();
        var assign = context.Config["assign"] is not JsonValue flag || flag.GetValue<bool>();
        var changed = assign
            ? await roles.AssignRoleAsync(context.TenantId, owner, userId, roleId, cancellationToken).ConfigureAwait(false)
            : await roles.UnassignRoleAsync(context.TenantId, owner, userId, roleId, cancellationToken).ConfigureAwait(false);
        return WorkflowActionResult.Done(new JsonObject { ["changed"] = changed });
    }
}
