using Platform.Access;
using Platform.Audit;
using Platform.Caching;
using Platform.Data;
using Platform.Email;
using Platform.Identity;
using Platform.Messaging;
using Platform.Notifications;
using Platform.Security;
using Platform.Webhooks;
using Platform.Workflows;
using Workers.Jobs;

namespace Workers.Extensions;

internal static class ApplicationServices
{
    /// <summary>Everything the Workers need besides the service defaults.</summary>
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddMigrationsOnStart();
        builder.AddPlatformDatabase();
        builder.AddRedisClient();
        builder.AddEmail();
        builder.Services.AddAudit();
        builder.AddSecurityMonitoring();
        builder.Services.AddHostedService<AuditPartitionJob>();
        builder.Services.AddHostedService<SecurityAlertDeliveryJob>();
        builder.AddAccessControl();
        builder.AddPlatformIdentity();
        builder.Services.AddHostedService<SigningKeyRotationJob>();
        builder.AddMessaging();
        builder.Services.AddHostedService<OutboxRelayJob>();
        builder.Services.AddHostedService<MessagingRetentionJob>();
        builder.Services.AddNotifications();
        builder.Services.AddHostedService<NotificationsConsumerJob>();
        builder.AddWebhooks();
        builder.Services.AddHostedService<WebhooksConsumerJob>();
        builder.Services.AddHostedService<WebhookDeliveryJob>();
        builder.Services.AddHostedService<WebhookRetentionJob>();
        builder.Services.AddHostedService<EmailConsumerJob>();
        builder.AddWorkflows();
        builder.Services.AddHostedService<WorkflowRunnerJob>();
        builder.Services.AddHostedService<WorkflowEventsConsumerJob>();
        builder.Services.AddHostedService<WorkflowSchedulerJob>();
    }
}
