using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Platform.Data;
using Platform.Tenancy;

namespace Platform.Audit;

/// <summary>Where the current request comes from; set by the host for each request.</summary>
public sealed class RequestOrigin
{
    public AuditActorType ActorType { get; set; } = AuditActorType.System;

    /// <summary>The user, or the API key, acting.</summary>
    public Guid? ActorId { get; set; }

    public IPAddress? Ip { get; set; }

    public string? UserAgent { get; set; }
}

/// <summary>
/// Records audit entries for the current request in the same database transaction as the change
/// they describe, so the entry exists exactly when the change does.
/// </summary>
public sealed class AuditTrail(PlatformDbContext db, TenantContext tenant, RequestOrigin origin, AuditWriter writer)
{
    /// <summary>Appends one entry; must run inside <c>db.Database.BeginTransactionAsync()</c> with the change.</summary>
    public async Task RecordAsync(string action, string resourceType, string? resourceId, object? before = null, object? after = null, bool isSecurityEvent = false, CancellationToken cancellationToken = default)
    {
        var transaction = db.Database.CurrentTransaction
            ?? throw new InvalidOperationException($"Audit of '{action}' must be written in the transaction of the change it records.");
        JsonElement? changes = before is null && after is null ? null : AuditChanges.Of(before, after);
        await writer.AppendAsync(
            (NpgsqlConnection)db.Database.GetDbConnection(),
            (NpgsqlTransaction)transaction.GetDbTransaction(),
            new AuditEntry(tenant.TenantId, origin.ActorType, origin.ActorId ?? tenant.UserId, action, resourceType, resourceId, changes,
                origin.Ip, origin.UserAgent, Activity.Current?.TraceId.ToString(), isSecurityEvent),
            cancellationToken).ConfigureAwait(false);
    }
}
