using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Data;
using Platform.Messaging;
using Platform.Tenancy;
using Platform.Validation;

namespace Platform.Email;

/// <summary>A templated email to send.</summary>
/// <param name="TenantId">The organization it is sent for (its branding, its template versions, its send log); null for a platform email.</param>
/// <param name="Template">A key of <see cref="EmailTemplateCatalogue"/>, e.g. <c>password_reset</c> (see <see cref="EmailTemplates"/>).</param>
/// <param name="To">The recipient's address.</param>
/// <param name="Culture"><c>en</c>, <c>ar</c> or <c>fr</c> (or a variant such as <c>fr-CA</c>); null for <see cref="EmailCulture.Current"/> (the Api caller's language), else <c>Email:DefaultCulture</c>.</param>
/// <param name="Model">The template's variables (dates are shown as <c>yyyy-MM-dd HH:mm UTC</c>).</param>
/// <param name="IdempotencyKey">
/// Set by a caller that may ask twice for the same email (a workflow step run again after a crash): a request with a
/// key already queued for the organization returns that email's id and queues nothing. At most 200 characters.
/// </param>
public sealed record EmailRequest(Guid? TenantId, string Template, string To, string? Culture, IReadOnlyDictionary<string, object?> Model, string? IdempotencyKey = null);

/// <summary>
/// The platform's one way to send email. An email is rendered when it is queued (so a missing variable fails the
/// caller, not a worker later), written to the send log (<c>email_messages</c>, status <c>queued</c>) with an
/// <c>email.send</c> message in the outbox — both in one transaction, the caller's when it passes one — and delivered by
/// the Workers' <c>email</c> consumer with retries, backoff and dead letters (<see cref="EmailQueueConsumer"/>).
/// </summary>
/// <remarks>
/// <see cref="SendAsync"/> also tries to deliver at once, for emails a person is waiting for (confirmation, password
/// reset, invitation); if that attempt fails the Workers retry it as any other, and a message the Workers see after it
/// was sent is not sent again.
/// </remarks>
public sealed partial class EmailService(
    NpgsqlDataSource dataSource,
    EmailRenderer renderer,
    EmailDispatcher dispatcher,
    IOptions<EmailOptions> options,
    ILogger<EmailService> logger)
{
    /// <summary>The outbox event type that carries an email to the <see cref="Queue"/> queue.</summary>
    public const string SendEventType = "email.send";

    /// <summary>The queue (and consumer) of queued emails.</summary>
    public const string Queue = "email";

    /// <summary>The longest <see cref="EmailRequest.IdempotencyKey"/>.</summary>
    public const int MaxIdempotencyKeyLength = 200;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public EmailTemplateCatalogue Catalogue => renderer.Catalogue;

    /// <summary>Queues the email in a transaction of its own; returns its id in the send log.</summary>
    /// <exception cref="EmailTemplateNotFoundException">No such template.</exception>
    /// <exception cref="EmailTemplateException">A required variable is missing.</exception>
    /// <exception cref="ValidationFailedException">The recipient is not an email address.</exception>
    public async Task<Guid> QueueAsync(EmailRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (request.TenantId is { } tenantId)
        {
            await TenantSession.ApplyAsync(connection, transaction, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // A platform email (no organization) is written in the platform's scope, like the queue itself.
            await TenantSession.ApplySystemAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        var id = await InsertAsync(connection, transaction, request, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>
    /// Queues the email inside the caller's transaction: it is sent exactly when the caller commits. The transaction
    /// must belong to <see cref="EmailRequest.TenantId"/> (keyed to it, as request and consumer transactions are; it is
    /// keyed here when it is not), or be in the system scope for a platform email.
    /// </summary>
    public async Task<Guid> QueueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmailRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(request);
        await using (var scope = new NpgsqlCommand("SELECT app_current_tenant(), app_in_system_scope()", connection, transaction))
        await using (var reader = await scope.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            Guid? current = reader.IsDBNull(0) ? null : reader.GetGuid(0);
            var system = reader.GetBoolean(1);
            await reader.CloseAsync().ConfigureAwait(false);
            if (request.TenantId is { } tenantId && current != tenantId && !system)
            {
                await TenantSession.ApplyAsync(connection, transaction, tenantId, userId: null, cancellationToken).ConfigureAwait(false);
            }
            else if (request.TenantId is null && !system)
            {
                throw new InvalidOperationException("A platform email (no organization) can only be queued in a transaction in the system scope.");
            }
        }

        return await InsertAsync(connection, transaction, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Queues the email inside <paramref name="db"/>'s current transaction (keyed to the request's organization).</summary>
    public Task<Guid> QueueAsync(PlatformDbContext db, EmailRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var transaction = db.Database.CurrentTransaction
            ?? throw new InvalidOperationException($"The email '{request?.Template}' must be queued in the transaction of the change it reports; begin one first.");
        return QueueAsync((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)transaction.GetDbTransaction(), request!, cancellationToken);
    }

    /// <summary>
    /// Queues the email and tries to deliver it at once (for emails a person is waiting for). Returns the send log id
    /// and <see cref="EmailStatus.Sent"/>, or <see cref="EmailStatus.Queued"/> when the attempt failed and the Workers will retry.
    /// </summary>
    public async Task<(Guid Id, EmailStatus Status)> SendAsync(EmailRequest request, CancellationToken cancellationToken = default)
    {
        var id = await QueueAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            return (id, await dispatcher.DeliverAsync(request.TenantId, id, final: false, skipLocked: true, cancellationToken).ConfigureAwait(false) ?? EmailStatus.Queued);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // Recorded on the row by the dispatcher; the queued message brings it back.
            LogDeferred(logger, request.Template, id, error);
            return (id, EmailStatus.Queued);
        }
    }

    /// <summary>Renders the email as it would be sent now (the organization's version of the template when it has one).</summary>
    public async Task<RenderedEmail> RenderAsync(EmailRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await TenantSession.ApplyAsync(connection, transaction, request.TenantId, userId: null, cancellationToken).ConfigureAwait(false);
        var (rendered, _) = await RenderAsync(connection, transaction, request, cancellationToken).ConfigureAwait(false);
        return rendered;
    }

    /// <summary>The supported culture for <paramref name="culture"/>, else the flow's <see cref="EmailCulture.Current"/> (the caller's language), else the default.</summary>
    public string ResolveCulture(string? culture) =>
        EmailTemplateCatalogue.Match(culture)
        ?? EmailCulture.Current
        ?? EmailTemplateCatalogue.Match(options.Value.DefaultCulture)
        ?? EmailTemplateCatalogue.Cultures[0];

    /// <summary>The organization's branding (name, logo, colour), each falling back to the platform's.</summary>
    public async Task<EmailBrand> BrandAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid? tenantId, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var fallback = new EmailBrand(settings.ProductName, EmailBrand.SafeUrl(settings.LogoUrl), EmailBrand.SafeColor(settings.PrimaryColor) ?? EmailBrand.DefaultColor);
        if (tenantId is not { } id)
        {
            return fallback;
        }

        await using var command = new NpgsqlCommand("SELECT name, brand_logo_url, brand_color FROM organizations WHERE id = $1", connection, transaction)
        {
            Parameters = { new() { Value = id } },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return fallback;
        }

        return new EmailBrand(
            reader.GetString(0),
            (reader.IsDBNull(1) ? null : EmailBrand.SafeUrl(reader.GetString(1))) ?? fallback.LogoUrl,
            (reader.IsDBNull(2) ? null : EmailBrand.SafeColor(reader.GetString(2))) ?? fallback.PrimaryColor);
    }

    /// <summary>An absolute link into the web front end, or null when <c>Email:AppBaseUrl</c> is not set.</summary>
    public string? AppLink(string? path)
    {
        var root = options.Value.AppBaseUrl;
        if (string.IsNullOrWhiteSpace(root) || string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        return Uri.TryCreate(path, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https"
            ? absolute.ToString()
            : root.TrimEnd('/') + "/" + path.TrimStart('/');
    }

    /// <summary>Renders in the caller's transaction (keyed to the organization): the default content merged with the organization's version.</summary>
    internal async Task<(RenderedEmail Rendered, string Culture)> RenderAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmailRequest request, CancellationToken cancellationToken)
    {
        var definition = renderer.Catalogue.Find(request.Template) ?? throw new EmailTemplateNotFoundException(request.Template);
        var culture = ResolveCulture(request.Culture);
        var content = renderer.Catalogue.Content(definition.Key, culture);
        if (request.TenantId is { } tenantId)
        {
            content = await EmailTemplateOverrides.EffectiveAsync(connection, transaction, tenantId, definition.Key, culture, content, cancellationToken).ConfigureAwait(false);
        }

        var brand = await BrandAsync(connection, transaction, request.TenantId, cancellationToken).ConfigureAwait(false);
        return (renderer.Render(definition, content, culture, brand, request.Model ?? new Dictionary<string, object?>()), culture);
    }

    private async Task<Guid> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EmailRequest request, CancellationToken cancellationToken)
    {
        var to = request.To?.Trim() ?? string.Empty;
        if (to.Length is < 3 or > 320 || !System.Net.Mail.MailAddress.TryCreate(to, out var address) || address.Address != to)
        {
            throw ValidationFailedException.For("to", "Enter one valid email address.");
        }

        var key = request.IdempotencyKey;
        if (key is not null)
        {
            if (key.Length is 0 or > MaxIdempotencyKeyLength)
            {
                throw ValidationFailedException.For("idempotencyKey", $"An idempotency key is 1 to {MaxIdempotencyKeyLength} characters.");
            }

            if (await ExistingAsync(connection, transaction, request.TenantId, key, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                LogRepeated(logger, request.Template, existing);
                return existing;
            }
        }

        var (rendered, culture) = await RenderAsync(connection, transaction, request, cancellationToken).ConfigureAwait(false);
        var id = Guid.CreateVersion7();
        // A concurrent request with the same key that committed first wins; this one then returns its email.
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO email_messages (id, tenant_id, template, culture, recipient, subject, html_body, text_body, idempotency_key)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            """,
            connection,
            transaction)
        {
            Parameters =
            {
                new() { Value = id }, new() { Value = (object?)request.TenantId ?? DBNull.Value }, new() { Value = request.Template }, new() { Value = culture },
                new() { Value = to }, new() { Value = rendered.Subject }, new() { Value = rendered.Html }, new() { Value = rendered.Text },
                new() { Value = (object?)key ?? DBNull.Value },
            },
        })
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                var existing = await ExistingAsync(connection, transaction, request.TenantId, key!, cancellationToken).ConfigureAwait(false);
                LogRepeated(logger, request.Template, existing!.Value);
                return existing.Value;
            }
        }

        // The message names the row only: the bodies, which may hold one-time codes, stay in the send log.
        await Outbox.AddAsync(connection, transaction, new IntegrationEvent(id, request.TenantId, SendEventType, JsonSerializer.Serialize(new EmailQueued(id), Json)), cancellationToken)
            .ConfigureAwait(false);
        LogQueued(logger, request.Template, culture, id);
        return id;
    }

    private static async Task<Guid?> ExistingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid? tenantId, string key, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            "SELECT id FROM email_messages WHERE tenant_id IS NOT DISTINCT FROM $1 AND idempotency_key = $2", connection, transaction)
        {
            Parameters = { new() { Value = (object?)tenantId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid }, new() { Value = key } },
        };
        return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as Guid?;
    }

    /// <summary>The payload of an <see cref="SendEventType"/> message.</summary>
    internal sealed record EmailQueued(Guid EmailId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Email {Template} was already queued as {EmailId} under the same idempotency key; not queued again")]
    private static partial void LogRepeated(ILogger logger, string template, Guid emailId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Queued email {Template} ({Culture}) as {EmailId}")]
    private static partial void LogQueued(ILogger logger, string template, string culture, Guid emailId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email {Template} {EmailId} could not be sent at once; the Workers will retry it")]
    private static partial void LogDeferred(ILogger logger, string template, Guid emailId, Exception error);
}
