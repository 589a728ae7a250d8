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
using Platform.Tenancy;

namespace Api.Apis;

/// <summary>The organization's messages that failed every attempt: inspect them, and replay them once the cause is fixed.</summary>
public static class DeadLettersApi
{
    public static RouteGroupBuilder MapDeadLettersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/dead-letters").WithTags("Messaging");

        api.MapGet("/", ListAsync).WithName("ListDeadLetters").WithSummary("Failed messages, newest first (cursor pagination).")
            .RequirePermission(Permissions.Messaging.DeadLettersRead);
        api.MapGet("/{deadLetterId:guid}", GetAsync).WithName("GetDeadLetter").WithSummary("One failed message with its payload and last error.")
            .RequirePermission(Permissions.Messaging.DeadLettersRead);
        api.MapPost("/{deadLetterId:guid}/replay", ReplayAsync).WithName("ReplayDeadLetter")
            .WithSummary("Queue the message again under its original id; its consumer handles it unless it already did.")
            .RequirePermission(Permissions.Messaging.DeadLettersReplay);
        return api;
    }

    public sealed record DeadLetterResponse(
        Guid Id, string Queue, Guid MessageId, string Type, string Payload, int Attempts, string LastError, DateTimeOffset EnqueuedAt, DateTimeOffset DeadAt, DateTimeOffset? ReplayedAt);

    public static async Task<Results<Ok<Page<DeadLetterResponse>>, ValidationProblem>> ListAsync(
        int? limit, string? cursor, DeadLetterStore letters, TenantContext tenant, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(limit, cursor, out var page, out var problem))
        {
            return problem;
        }

        var rows = await letters.ListAsync(tenant.RequiredTenantId, page.Limit + 1, page.After, page.AfterId, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, page, ToResponse, item => (item.DeadAt, item.Id)));
    }

    public static async Task<Results<Ok<DeadLetterResponse>, NotFound>> GetAsync(Guid deadLetterId, DeadLetterStore letters, TenantContext tenant, CancellationToken cancellationToken) =>
        await letters.GetAsync(deadLetterId, tenant.RequiredTenantId, cancellationToken) is { } letter ? TypedResults.Ok(ToResponse(letter)) : TypedResults.NotFound();

    public static async Task<Results<Accepted, NotFound, ProblemHttpResult>> ReplayAsync(
        Guid deadLetterId, DeadLetterStore letters, PlatformDbContext db, TenantContext tenant, AuditTrail audit, CancellationToken cancellationToken)
    {
        var letter = await letters.GetAsync(deadLetterId, tenant.RequiredTenantId, cancellationToken);
        if (letter is null)
        {
            return TypedResults.NotFound();
        }

        // The replay and its audit entry commit together, in a transaction keyed to the organization.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var replayed = await letters.ReplayAsync(
            (NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)transaction.GetDbTransaction(), deadLetterId, cancellationToken);
        if (replayed is null)
        {
            return AuthApi.Problem(StatusCodes.Status409Conflict, "already_replayed", "This message was replayed already.");
        }

        await audit.RecordAsync("dead_letter.replayed", "dead_letter", deadLetterId.ToString(),
            after: new { letter.Queue, letter.MessageId, letter.Type }, cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Accepted($"/api/v1/dead-letters/{deadLetterId}");
    }

    private static DeadLetterResponse ToResponse(DeadLetter l) =>
        new(l.Id, l.Queue, l.MessageId, l.Type, l.Payload, l.Attempts, l.LastError, l.EnqueuedAt, l.DeadAt, l.ReplayedAt);
}
