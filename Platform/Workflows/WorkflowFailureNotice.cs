using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Email;
using Platform.Notifications;
using Platform.Tenancy;

namespace Platform.Workflows;

/// <summary>
/// Tells a workflow's owner that one of its executions failed for good: an in-app notification of type
/// <see cref="NotificationType"/> and the <c>workflow_failed</c> email, each as the owner's preferences for that type
/// say, written in the transaction that records the failure (no failure without its notice, no notice twice).
/// </summary>
internal static partial class WorkflowFailureNotice
{
    /// <summary>The notification type members turn on or off (in-app and email) for their failed workflows.</summary>
    public const string NotificationType = NotificationTypes.WorkflowFailed;

    private const int MaxEmailError = 500;

    /// <summary>Notifies the owner, if the workflow has one who is still a member; returns the notification to stream, if any.</summary>
    public static async Task<(Guid UserId, Notification Notification)?> SendAsync(
        TenantTransaction transaction, IServiceProvider services, Guid tenantId, Guid executionId, string? failedNode, string reason, ILogger logger, CancellationToken cancellationToken)
    {
        string name;
        Guid owner;
        await using (var select = transaction.Command(
            """
            SELECT d.name, d.owner_id FROM workflow_executions e
            JOIN workflow_definitions d ON d.tenant_id = e.tenant_id AND d.id = e.definition_id
            WHERE e.tenant_id = $1 AND e.id = $2
              AND EXISTS (SELECT 1 FROM organization_members m WHERE m.tenant_id = d.tenant_id AND m.user_id = d.owner_id)
            """,
            tenantId, executionId))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || reader.IsDBNull(1))
            {
                return null;
            }

            name = reader.GetString(0);
            owner = reader.GetGuid(1);
        }

        var title = Cut($"Workflow '{name}' failed", NotificationService.MaxTitleLength);
        var body = Cut(failedNode is null ? reason : $"Step '{failedNode}': {reason}", NotificationService.MaxBodyLength);
        var link = $"/workflows/executions/{executionId}";
        var notifications = services.GetRequiredService<NotificationService>();
        var email = services.GetService<EmailService>();
        var model = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["workflowName"] = name,
            ["runId"] = executionId.ToString(),
            ["failedAt"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["error"] = Cut(body, MaxEmailError),
            ["runUrl"] = email?.AppLink(link),
        };

        // The notice must never undo the failure it reports: each try runs under a savepoint.
        const string Savepoint = "workflow_failed_notice";
        await transaction.Transaction.SaveAsync(Savepoint, cancellationToken).ConfigureAwait(false);
        try
        {
            var sent = await notifications.CreateAsync(
                transaction.Connection, transaction.Transaction, tenantId, owner, NotificationType, title, body, link,
                new NotificationEmail(EmailTemplates.WorkflowFailed, model), cancellationToken).ConfigureAwait(false);
            await transaction.Transaction.ReleaseAsync(Savepoint, cancellationToken).ConfigureAwait(false);
            return sent is null ? null : (owner, sent);
        }
        catch (Exception error) when (error is not OperationCanceledException && error is not NpgsqlException { IsTransient: true })
        {
            await transaction.Transaction.RollbackAsync(Savepoint, cancellationToken).ConfigureAwait(false);
            LogNoticeFailed(logger, tenantId, executionId, owner, error);
        }

        // The email could not be made (an address the email module refuses...): in-app at least.
        try
        {
            var sent = await NotificationService.InsertAsync(
                transaction.Connection, transaction.Transaction, tenantId, owner, NotificationType, title, body, link, cancellationToken).ConfigureAwait(false);
            await transaction.Transaction.ReleaseAsync(Savepoint, cancellationToken).ConfigureAwait(false);
            return sent is null ? null : (owner, sent);
        }
        catch (Exception error) when (error is not OperationCanceledException && error is not NpgsqlException { IsTransient: true })
        {
            await transaction.Transaction.RollbackAsync(Savepoint, cancellationToken).ConfigureAwait(false);
            LogNoticeFailed(logger, tenantId, executionId, owner, error);
            return null;
        }
    }

    private static string Cut(string text, int length) => text.Length > length ? text[..length] : text;

    [LoggerMessage(Level = LogLevel.Error, Message = "The owner {UserId} of failed workflow execution {TenantId}/{ExecutionId} could not be told")]
    private static partial void LogNoticeFailed(ILogger logger, Guid tenantId, Guid executionId, Guid userId, Exception error);
}
