using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Platform.Messaging;

namespace Platform.Workflows;

/// <summary>
/// Starts the organization's published workflows whose trigger is an integration event, as events arrive on the
/// <see cref="Queue"/> queue (the Workers consume it through <see cref="MessageConsumer"/>: the executions are
/// inserted in the consumer's transaction, with its inbox record, so an event redelivered starts nothing twice). The event's payload is the trigger's data
/// (<c>{{ trigger.data.userId }}</c>).
/// </summary>
public sealed partial class WorkflowEventTriggers(ILogger<WorkflowEventTriggers> logger)
{
    /// <summary>The queue (and consumer name) of events for workflows; routed <c>*</c> by default.</summary>
    public const string Queue = "workflows";

    public async Task HandleAsync(ReceivedMessage message, ConsumeContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        if (message.TenantId is not { } tenantId)
        {
            return;
        }

        var subscribers = await WorkflowStarter.SubscribersAsync(context.Connection, context.Transaction, tenantId, "event", message.Type, cancellationToken).ConfigureAwait(false);
        var data = JsonNode.Parse(message.Payload);
        foreach (var definitionId in subscribers)
        {
            var started = await WorkflowStarter.StartAsync(
                context.Connection, context.Transaction, tenantId, definitionId, "event", data?.DeepClone(),
                $"event:{message.MessageId:N}", null, cancellationToken).ConfigureAwait(false);
            if (started is { } executionId)
            {
                LogStarted(logger, tenantId, definitionId, executionId, message.Type);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {TenantId}/{DefinitionId} started as {ExecutionId} by event {Type}")]
    private static partial void LogStarted(ILogger logger, Guid tenantId, Guid definitionId, Guid executionId, string type);
}
