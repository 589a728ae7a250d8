using Api.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Platform.Access;
using Platform.Audit;
using Platform.Data;
using Platform.Data.Paging;
using Platform.Messaging;
using Platform.RateLimiting;
using Platform.Tenancy;
using Platform.Webhooks;

namespace Api.Apis;

/// <summary>
/// The organization's outbound webhooks: endpoints subscribed to event types, their signing secrets (shown once),
/// the delivery log, replay and test events. Each change and its audit entry commit together.
/// </summary>
public static class WebhooksApi
{
    public static RouteGroupBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/webhooks").WithTags("Webhooks");

        api.MapGet("/event-types", EventTypesList).WithName("ListWebhookEventTypes").WithSummary("The event types an endpoint can subscribe to, with their payloads.")
            .RequirePermission(Permissions.Webhooks.Read);
        api.MapGet("/endpoints", ListAsync).WithName("ListWebhookEndpoints").WithSummary("The organization's webhook endpoints, newest first (cursor pagination; never their secrets).")
            .RequirePermission(Permissions.Webhooks.Read);
        api.MapPost("/endpoints", CreateAsync).WithName("CreateWebhookEndpoint")
            .WithSummary("Add an endpoint subscribed to event types; its signing secret (whsec_...) is shown once.")
            .WithIdempotency()
            .RequirePermission(Permissions.Webhooks.Create);
        api.MapGet("/endpoints/{endpointId:guid}", GetAsync).WithName("GetWebhookEndpoint").WithSummary("One endpoint, with why it was disabled if it was.")
            .RequirePermission(Permissions.Webhooks.Read);
        api.MapPut("/endpoints/{endpointId:guid}", UpdateAsync).WithName("UpdateWebhookEndpoint")
            .WithSummary("Change an endpoint's URL, description, event types or enabled state (enabling it again clears its failure streak).")
            .RequirePermission(Permissions.Webhooks.Update);
        api.MapDelete("/endpoints/{endpointId:guid}", DeleteAsync).WithName("DeleteWebhookEndpoint").WithSummary("Delete an endpoint with its deliveries and log.")
            .RequirePermission(Permissions.Webhooks.Delete);
        api.MapPost("/endpoints/{endpointId:guid}/rotate-secret", RotateSecretAsync).WithName("RotateWebhookSecret")
            .WithSummary("Issue a new signing secret, shown once; the old one keeps signing beside it for the grace period (default 24 h, 0 to 7 days).")
            .RequirePermission(Permissions.Webhooks.RotateSecret);
        api.MapPost("/endpoints/{endpointId:guid}/test", SendTestAsync).WithName("SendWebhookTestEvent")
            .WithSummary("Send a webhook.test event to the endpoint now; its attempts appear in the delivery log.")
            .WithRateLimitPolicy(RateLimitOptions.WebhookTestPolicy)
            .RequirePermission(Permissions.Webhooks.Update);
        api.MapGet("/endpoints/{endpointId:guid}/deliveries", EndpointDeliveriesAsync).WithName("ListWebhookEndpointDeliveries")
            .WithSummary("Every attempt to this endpoint, newest first: status code, latency, response excerpt, error (cursor pagination).")
            .RequirePermission(Permissions.Webhooks.Read);
        api.MapGet("/messages/{messageId}/deliveries", MessageDeliveriesAsync).WithName("ListWebhookMessageDeliveries")
            .WithSummary("Every attempt of this message to any endpoint, newest first (cursor pagination).")
            .RequirePermission(Permissions.Webhooks.Read);
        api.MapPost("/messages/{messageId}/replay", ReplayAsync).WithName("ReplayWebhookMessage")
            .WithSummary("Send the message to the endpoint again under the same webhook-id, now and then on the retry schedule.")
            .RequirePermission(Permissions.Webhooks.Replay);
        api.MapPost("/endpoints/{endpointId:guid}/recover", RecoverAsync).WithName("RecoverWebhookEndpoint")
            .WithSummary("After an outage: send every delivery to this endpoint that failed for good since a time again, now and then on the retry schedule.")
            .RequirePermission(Permissions.Webhooks.Replay);
        return api;
    }

    public sealed record EventTypeResponse(string Type, string Description);

    public sealed record EndpointRequest(string Url, string? Description, IReadOnlyList<string> EventTypes, bool? Enabled);

    public sealed record EndpointResponse(
        Guid Id, string Url, string Description, IReadOnlyList<string> EventTypes, bool Enabled, string? DisabledReason, DateTimeOffset? FailingSince,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    public sealed record CreatedEndpointResponse(Guid Id, EndpointResponse Endpoint, string Secret);

    public sealed record RotateSecretRequest(int? GracePeriodSeconds);

    public sealed record RotatedSecretResponse(string Secret, DateTimeOffset PreviousSecretExpiresAt);

    public sealed record ReplayRequest(Guid EndpointId);

    public sealed record QueuedResponse(string MessageId);

    public sealed record RecoverRequest(DateTimeOffset? Since);

    public sealed record RecoveredResponse(int Requeued);

    public sealed record AttemptResponse(
        Guid Id, Guid EndpointId, string MessageId, DateTimeOffset AttemptedAt, bool Succeeded, int? StatusCode, int LatencyMs, string? ResponseBody, string? Error, string Trigger);

    public static Ok<List<EventTypeResponse>> EventTypesList() => TypedResults.Ok(EventTypes.All.Select(e => new EventTypeResponse(e.Type, e.Description)).ToList());

    public static async Task<Results<Ok<Page<EndpointResponse>>, ValidationProblem>> ListAsync(
        int? limit, string? cursor, WebhookEndpointService webhooks, TenantContext tenant, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(limit, cursor, out var page, out var problem))
        {
            return problem;
        }

        var rows = await webhooks.ListAsync(tenant.RequiredTenantId, page.Limit + 1, page.After, page.AfterId, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, page, ToResponse, item => (item.CreatedAt, item.Id)));
    }

    public static async Task<Results<Ok<EndpointResponse>, NotFound>> GetAsync(Guid endpointId, WebhookEndpointService webhooks, TenantContext tenant, CancellationToken cancellationToken) =>
        await webhooks.GetAsync(tenant.RequiredTenantId, endpointId, cancellationToken) is { } endpoint ? TypedResults.Ok(ToResponse(endpoint)) : TypedResults.NotFound();

    public static async Task<Created<CreatedEndpointResponse>> CreateAsync(
        EndpointRequest request, WebhookEndpointService webhooks, PlatformDbContext db, TenantContext tenant, AuditTrail audit, CancellationToken cancellationToken)
    {
        // Resolved before the transaction: no pooled connection waits on DNS.
        var settings = await webhooks.ValidateAsync(Draft(request), cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (connection, npgsqlTransaction) = Npgsql(db, transaction);
        var (endpoint, secret) = await webhooks.CreateAsync(connection, npgsqlTransaction, tenant.RequiredTenantId, settings, cancellationToken);
        // Never the secret: only what the endpoint is.
        await audit.RecordAsync("webhook_endpoint.created", "webhook_endpoint", endpoint.Id.ToString(),
            after: new { endpoint.Url, endpoint.Description, endpoint.EventTypes, endpoint.Enabled }, cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/webhooks/endpoints/{endpoint.Id}", new CreatedEndpointResponse(endpoint.Id, ToResponse(endpoint), secret.Secret));
    }

    public static async Task<Results<Ok<EndpointResponse>, NotFound>> UpdateAsync(
        Guid endpointId, EndpointRequest request, WebhookEndpointService webhooks, PlatformDbContext db, TenantContext tenant, AuditTrail audit, CancellationToken cancellationToken)
    {
        var before = await webhooks.GetAsync(tenant.RequiredTenantId, endpointId, cancellationToken);
        if (before is null)
        {
            return TypedResults.NotFound();
        }

        var settings = await webhooks.ValidateAsync(Draft(request), cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (connection, npgsqlTransaction) = Npgsql(db, transaction);
        var endpoint = await webhooks.UpdateAsync(connection, npgsqlTransaction, tenant.RequiredTenantId, endpointId, settings, cancellationToken);
        if (endpoint is null)
        {
            return TypedResults.NotFound();
        }

        await audit.RecordAsync("webhook_endpoint.updated", "webhook_endpoint", endpointId.ToString(),
            before: new { before.Url, before.Description, before.EventTypes, before.Enabled },
            after: new { endpoint.Url, endpoint.Description, endpoint.EventTypes, endpoint.Enabled }, cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(ToResponse(endpoint));
    }

    public static async Task<Results<NoContent, NotFound>> DeleteAsync(
        Guid endpointId, PlatformDbContext db, AuditTrail audit, TenantContext tenant, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (connection, npgsqlTransaction) = Npgsql(db, transaction);
        if (!await WebhookEndpointService.DeleteAsync(connection, npgsqlTransaction, tenant.RequiredTenantId, endpointId, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        await audit.RecordAsync("webhook_endpoint.deleted", "webhook_endpoint", endpointId.ToString(), cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<RotatedSecretResponse>, NotFound>> RotateSecretAsync(
        Guid endpointId, RotateSecretRequest? request, WebhookEndpointService webhooks, PlatformDbContext db, TenantContext tenant, AuditTrail audit, CancellationToken cancellationToken)
    {
        var grace = request?.GracePeriodSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (connection, npgsqlTransaction) = Npgsql(db, transaction);
        var rotated = await webhooks.RotateSecretAsync(connection, npgsqlTransaction, tenant.RequiredTenantId, endpointId, grace, cancellationToken);
        if (rotated is null)
        {
            return TypedResults.NotFound();
        }

        await audit.RecordAsync("webhook_endpoint.secret_rotated", "webhook_endpoint", endpointId.ToString(),
            after: new { rotated.PreviousSecretExpiresAt }, isSecurityEvent: true, cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new RotatedSecretResponse(rotated.Secret, rotated.PreviousSecretExpiresAt!.Value));
    }

    public static async Task<Results<Accepted<QueuedResponse>, NotFound, ProblemHttpResult>> SendTestAsync(
        Guid endpointId, WebhookEndpointService webhooks, PlatformDbContext db, TenantContext tenant, AuditTrail audit, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (connection, npgsqlTransaction) = Npgsql(db, transaction);
        var sent = await webhooks.SendTestAsync(connection, npgsqlTransaction, tenant.RequiredTenantId, endpointId, cancellationToken);
        if (sent.Outcome != WebhookSendOutcome.Queued)
        {
            return Refused(sent.Outcome);
        }

        await audit.RecordAsync("webhook_endpoint.test_sent", "webhook_endpoint", endpointId.ToString(), after: new { sent.MessageId }, cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Accepted($"/api/v1/webhooks/messages/{sent.MessageId}/deliveries", new QueuedResponse(sent.MessageId!));
    }

    public static async Task<Results<Accepted<QueuedResponse>, NotFound, ProblemHttpResult>> ReplayAsync(
        string messageId, ReplayRequest request, WebhookEndpointService webhooks, PlatformDbContext db, TenantContext tenant, AuditTrail audit, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (connection, npgsqlTransaction) = Npgsql(db, transaction);
        var sent = await webhooks.ReplayAsync(connection, npgsqlTransaction, tenant.RequiredTenantId, messageId, request.EndpointId, cancellationToken);
        if (sent.Outcome != WebhookSendOutcome.Queued)
        {
            return Refused(sent.Outcome);
        }

        await audit.RecordAsync("webhook_message.replayed", "webhook_message", messageId, after: new { request.EndpointId }, cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Accepted($"/api/v1/webhooks/messages/{messageId}/deliveries", new QueuedResponse(messageId));
    }

    public static async Task<Results<Accepted<RecoveredResponse>, NotFound, ProblemHttpResult>> RecoverAsync(
        Guid endpointId, RecoverRequest? request, WebhookEndpointService webhooks, PlatformDbContext db, TenantContext tenant, AuditTrail audit, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (connection, npgsqlTransaction) = Npgsql(db, transaction);
        var recovered = await webhooks.RecoverAsync(connection, npgsqlTransaction, tenant.RequiredTenantId, endpointId, request?.Since, cancellationToken);
        if (recovered.Outcome != WebhookSendOutcome.Queued)
        {
            return recovered.Outcome == WebhookSendOutcome.EndpointDisabled
                ? AuthApi.Problem(StatusCodes.Status409Conflict, "webhook_endpoint_disabled", "This endpoint is disabled; enable it first.")
                : TypedResults.NotFound();
        }

        await audit.RecordAsync("webhook_endpoint.recovered", "webhook_endpoint", endpointId.ToString(),
            after: new { request!.Since, recovered.Requeued }, cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Accepted($"/api/v1/webhooks/endpoints/{endpointId}/deliveries", new RecoveredResponse(recovered.Requeued));
    }

    public static async Task<Results<Ok<Page<AttemptResponse>>, NotFound, ValidationProblem>> EndpointDeliveriesAsync(
        Guid endpointId, int? limit, string? cursor, WebhookEndpointService webhooks, TenantContext tenant, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(limit, cursor, out var page, out var problem))
        {
            return problem;
        }

        if (await webhooks.GetAsync(tenant.RequiredTenantId, endpointId, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(await AttemptsAsync(webhooks, tenant.RequiredTenantId, endpointId, null, page, cancellationToken));
    }

    public static async Task<Results<Ok<Page<AttemptResponse>>, NotFound, ValidationProblem>> MessageDeliveriesAsync(
        string messageId, int? limit, string? cursor, WebhookEndpointService webhooks, TenantContext tenant, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(limit, cursor, out var page, out var problem))
        {
            return problem;
        }

        if (!await webhooks.MessageExistsAsync(tenant.RequiredTenantId, messageId, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(await AttemptsAsync(webhooks, tenant.RequiredTenantId, null, messageId, page, cancellationToken));
    }

    private static async Task<Page<AttemptResponse>> AttemptsAsync(
        WebhookEndpointService webhooks, Guid tenantId, Guid? endpointId, string? messageId, Paging.Request page, CancellationToken cancellationToken)
    {
        var rows = await webhooks.ListAttemptsAsync(tenantId, endpointId, messageId, page.Limit + 1, page.After, page.AfterId, cancellationToken);
        return Paging.ToPage(
            rows,
            page,
            a => new AttemptResponse(a.Id, a.EndpointId, a.MessageId, a.AttemptedAt, a.Succeeded, a.StatusCode, a.LatencyMs, a.ResponseBody, a.Error, a.Trigger),
            item => (item.AttemptedAt, item.Id));
    }

    private static Results<Accepted<QueuedResponse>, NotFound, ProblemHttpResult> Refused(WebhookSendOutcome outcome) => outcome switch
    {
        WebhookSendOutcome.EndpointDisabled => AuthApi.Problem(StatusCodes.Status409Conflict, "webhook_endpoint_disabled", "This endpoint is disabled; enable it first."),
        _ => TypedResults.NotFound(),
    };

    private static WebhookEndpointDraft Draft(EndpointRequest request) => new(request.Url, request.Description, request.EventTypes, request.Enabled ?? true);

    private static (NpgsqlConnection Connection, NpgsqlTransaction Transaction) Npgsql(PlatformDbContext db, IDbContextTransaction transaction) =>
        ((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)transaction.GetDbTransaction());

    private static EndpointResponse ToResponse(WebhookEndpoint e) =>
        new(e.Id, e.Url, e.Description, e.EventTypes, e.Enabled, e.DisabledReason, e.FailingSince, e.CreatedAt, e.UpdatedAt);
}
