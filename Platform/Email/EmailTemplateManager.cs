using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Platform.Audit;
using Platform.Data;
using Platform.Tenancy;
using Platform.Validation;

namespace Platform.Email;

/// <summary>A template as an organization's emails use it now, in one culture; <c>Source</c> says per part (subject, html, text) whether it is the <c>platform</c>'s or the <c>organization</c>'s.</summary>
public sealed record EffectiveEmailTemplate(
    string Key, string Culture, string Subject, string Html, string Text, IReadOnlyDictionary<string, string> Source, DateTimeOffset? UpdatedAt, Guid? UpdatedBy);

/// <summary>
/// The current organization's versions of the email templates (the Api's <c>/email/templates</c>): read the effective
/// template, save a version (validated: compiles, uses only the template's variables, renders with its sample model),
/// remove it, and preview. Changes are audited in their transaction.
/// </summary>
public sealed class EmailTemplateManager(PlatformDbContext db, TenantContext tenant, AuditTrail audit, EmailService email, EmailRenderer renderer)
{
    public const string Platform = "platform";
    public const string Organization = "organization";

    /// <summary>The template keys this organization has its own version of, with their cultures.</summary>
    public async Task<IReadOnlyList<EmailTemplateOverride>> ListOverridesAsync(CancellationToken cancellationToken = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        return await EmailTemplateOverrides.ListAsync(Connection, Transaction(transaction), tenant.RequiredTenantId, cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="EmailTemplateNotFoundException">No such template or culture.</exception>
    public async Task<EffectiveEmailTemplate> GetAsync(string key, string culture, CancellationToken cancellationToken = default)
    {
        var (definition, name) = Resolve(key, culture);
        var defaults = renderer.Catalogue.Content(definition.Key, name);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var custom = await EmailTemplateOverrides.GetAsync(Connection, Transaction(transaction), tenant.RequiredTenantId, definition.Key, name, cancellationToken).ConfigureAwait(false);
        return new EffectiveEmailTemplate(
            definition.Key,
            name,
            custom?.Subject ?? defaults.Subject,
            custom?.Html ?? defaults.Html,
            custom?.Text ?? defaults.Text,
            new Dictionary<string, string>
            {
                ["subject"] = custom?.Subject is null ? Platform : Organization,
                ["html"] = custom?.Html is null ? Platform : Organization,
                ["text"] = custom?.Text is null ? Platform : Organization,
            },
            custom?.UpdatedAt,
            custom?.UpdatedBy);
    }

    /// <summary>Saves the organization's version (null parts use the platform's); audited.</summary>
    /// <exception cref="ValidationFailedException">Nothing given, or a part does not compile, uses unknown variables or does not render.</exception>
    public async Task<EffectiveEmailTemplate> SetAsync(string key, string culture, string? subject, string? html, string? text, CancellationToken cancellationToken = default)
    {
        var (definition, name) = Resolve(key, culture);
        subject = Blank(subject);
        html = Blank(html);
        text = Blank(text);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (subject is null && html is null && text is null)
        {
            errors["request"] = ["Give at least one of subject, html and text; remove the override to use the platform's template."];
        }

        foreach (var (field, value, max) in new[] { ("subject", subject, 500), ("html", html, 100_000), ("text", text, 100_000) })
        {
            if (value?.Length > max)
            {
                errors[field] = [$"At most {max} characters."];
            }
        }

        if (errors.Count == 0)
        {
            foreach (var (field, problems) in renderer.Validate(definition, subject, html, text))
            {
                errors[field] = problems;
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }

        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            var before = await EmailTemplateOverrides.GetAsync(Connection, Transaction(transaction), tenant.RequiredTenantId, definition.Key, name, cancellationToken).ConfigureAwait(false);
            await EmailTemplateOverrides.UpsertAsync(Connection, Transaction(transaction), tenant.RequiredTenantId, definition.Key, name, subject, html, text, tenant.UserId, cancellationToken)
                .ConfigureAwait(false);
            await audit.RecordAsync(
                "email_template.override_set",
                "email_template",
                $"{definition.Key}/{name}",
                before: before is null ? null : new { before.Subject, before.Html, before.Text },
                after: new { subject, html, text },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return await GetAsync(definition.Key, name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the organization's version; false when it had none. Audited.</summary>
    public async Task<bool> RemoveAsync(string key, string culture, CancellationToken cancellationToken = default)
    {
        var (definition, name) = Resolve(key, culture);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var before = await EmailTemplateOverrides.GetAsync(Connection, Transaction(transaction), tenant.RequiredTenantId, definition.Key, name, cancellationToken).ConfigureAwait(false);
        if (before is null || !await EmailTemplateOverrides.DeleteAsync(Connection, Transaction(transaction), tenant.RequiredTenantId, definition.Key, name, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await audit.RecordAsync("email_template.override_removed", "email_template", $"{definition.Key}/{name}",
            before: new { before.Subject, before.Html, before.Text }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Renders a draft (parts not given: the effective template) with the sample model, overlaid by <paramref name="model"/>,
    /// and the organization's branding. Nothing is stored.
    /// </summary>
    /// <exception cref="ValidationFailedException">The draft is not valid, or the model leaves a required variable empty.</exception>
    public async Task<RenderedEmail> PreviewAsync(
        string key, string culture, string? subject, string? html, string? text, IReadOnlyDictionary<string, object?>? model, CancellationToken cancellationToken = default)
    {
        var (definition, name) = Resolve(key, culture);
        subject = Blank(subject);
        html = Blank(html);
        text = Blank(text);
        var errors = renderer.Validate(definition, subject, html, text);
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors.ToDictionary(e => e.Key, e => e.Value));
        }

        var effective = await GetAsync(definition.Key, name, cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, object?>(definition.SampleModel, StringComparer.Ordinal);
        foreach (var (variable, value) in model ?? new Dictionary<string, object?>())
        {
            values[variable] = value;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var brand = await email.BrandAsync(Connection, Transaction(transaction), tenant.RequiredTenantId, cancellationToken).ConfigureAwait(false);
        try
        {
            return renderer.Render(definition, new EmailTemplateContent(subject ?? effective.Subject, html ?? effective.Html, text ?? effective.Text), name, brand, values);
        }
        catch (EmailTemplateException error)
        {
            throw ValidationFailedException.For("model", error.Message);
        }
    }

    private NpgsqlConnection Connection => (NpgsqlConnection)db.Database.GetDbConnection();

    private static NpgsqlTransaction Transaction(IDbContextTransaction transaction) => (NpgsqlTransaction)transaction.GetDbTransaction();

    private (EmailTemplateDefinition Definition, string Culture) Resolve(string key, string culture)
    {
        var definition = renderer.Catalogue.Find(key) ?? throw new EmailTemplateNotFoundException(key);
        var name = EmailTemplateCatalogue.Cultures.Contains(culture) ? culture : throw new EmailTemplateNotFoundException(key, culture);
        return (definition, name);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
