using System.Text.Json;
using Api.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Access;
using Platform.Data.Paging;
using Platform.Email;
using Platform.Tenancy;

namespace Api.Apis;

/// <summary>
/// The organization's emails: the platform's templates with their variables, the organization's versions of them
/// (validated, audited, previewable), and the send log of emails sent for the organization.
/// </summary>
public static class EmailApi
{
    public static RouteGroupBuilder MapEmailApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/email").WithTags("Email");

        api.MapGet("/templates", ListTemplatesAsync).WithName("ListEmailTemplates")
            .WithSummary("Every email template: key, description, required and optional variables, cultures, and the cultures this organization customized.")
            .RequirePermission(Permissions.Email.TemplatesRead);
        api.MapGet("/templates/{templateKey}/{culture}", GetTemplateAsync).WithName("GetEmailTemplate")
            .WithSummary("The template as this organization's emails use it in one culture (en, ar, fr): its version where it has one, else the platform's, per part.")
            .RequirePermission(Permissions.Email.TemplatesRead);
        api.MapPut("/templates/{templateKey}/{culture}", SetTemplateAsync).WithName("SetEmailTemplate")
            .WithSummary("Save the organization's version of a template (subject, html, text; a part left out uses the platform's). Refused unless it compiles and uses only the template's variables.")
            .RequirePermission(Permissions.Email.TemplatesManage);
        api.MapDelete("/templates/{templateKey}/{culture}", RemoveTemplateAsync).WithName("RemoveEmailTemplate")
            .WithSummary("Remove the organization's version: its emails use the platform's template again.")
            .RequirePermission(Permissions.Email.TemplatesManage);
        api.MapPost("/templates/{templateKey}/{culture}/preview", PreviewAsync).WithName("PreviewEmailTemplate")
            .WithSummary("Render a draft (or the effective template) with the template's sample model, overlaid by the given model, in the organization's branding. Stores nothing.")
            .RequirePermission(Permissions.Email.TemplatesRead);
        api.MapGet("/messages", ListMessagesAsync).WithName("ListEmailMessages")
            .WithSummary("Emails sent for the organization, newest first (cursor pagination): template, culture, recipient, status (queued, sent, failed), attempts, last error.")
            .RequirePermission(Permissions.Email.LogRead);
        api.MapGet("/messages/{emailId:guid}", GetMessageAsync).WithName("GetEmailMessage")
            .WithSummary("One email of the send log.")
            .RequirePermission(Permissions.Email.LogRead);
        return api;
    }

    public sealed record TemplateSummary(
        string Key, string Description, IReadOnlyList<string> Variables, IReadOnlyList<string> OptionalVariables, IReadOnlyList<string> Cultures, IReadOnlyList<string> CustomizedCultures);

    public sealed record TemplateRequest(string? Subject, string? Html, string? Text);

    public sealed record PreviewRequest(string? Subject, string? Html, string? Text, Dictionary<string, JsonElement>? Model);

    public sealed record EmailMessageResponse(
        Guid Id, string Template, string Culture, string Recipient, string Subject, EmailStatus Status, int Attempts, string? LastError,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? SentAt);

    public static async Task<Ok<List<TemplateSummary>>> ListTemplatesAsync(EmailTemplateManager templates, EmailTemplateCatalogue catalogue, CancellationToken cancellationToken)
    {
        var customized = (await templates.ListOverridesAsync(cancellationToken)).ToLookup(o => o.TemplateKey, o => o.Culture, StringComparer.Ordinal);
        return TypedResults.Ok(catalogue.All.Select(d => new TemplateSummary(
            d.Key, d.Description, d.Variables, d.OptionalVariables, EmailTemplateCatalogue.Cultures, [.. customized[d.Key]])).ToList());
    }

    public static async Task<Ok<EffectiveEmailTemplate>> GetTemplateAsync(string templateKey, string culture, EmailTemplateManager templates, CancellationToken cancellationToken) =>
        TypedResults.Ok(await templates.GetAsync(templateKey, culture, cancellationToken));

    public static async Task<Ok<EffectiveEmailTemplate>> SetTemplateAsync(
        string templateKey, string culture, TemplateRequest request, EmailTemplateManager templates, CancellationToken cancellationToken) =>
        TypedResults.Ok(await templates.SetAsync(templateKey, culture, request.Subject, request.Html, request.Text, cancellationToken));

    public static async Task<Results<NoContent, NotFound>> RemoveTemplateAsync(string templateKey, string culture, EmailTemplateManager templates, CancellationToken cancellationToken) =>
        await templates.RemoveAsync(templateKey, culture, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<Ok<RenderedEmail>> PreviewAsync(
        string templateKey, string culture, PreviewRequest request, EmailTemplateManager templates, CancellationToken cancellationToken) =>
        TypedResults.Ok(await templates.PreviewAsync(
            templateKey, culture, request.Subject, request.Html, request.Text, request.Model?.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal), cancellationToken));

    public static async Task<Results<Ok<Page<EmailMessageResponse>>, ValidationProblem>> ListMessagesAsync(
        int? limit, string? cursor, EmailLog log, TenantContext tenant, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(limit, cursor, out var page, out var problem))
        {
            return problem;
        }

        var rows = await log.ListAsync(tenant.RequiredTenantId, page.Limit + 1, page.After, page.AfterId, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, page, ToResponse, item => (item.CreatedAt, item.Id)));
    }

    public static async Task<Results<Ok<EmailMessageResponse>, NotFound>> GetMessageAsync(Guid emailId, EmailLog log, TenantContext tenant, CancellationToken cancellationToken) =>
        await log.GetAsync(tenant.RequiredTenantId, emailId, cancellationToken) is { } entry ? TypedResults.Ok(ToResponse(entry)) : TypedResults.NotFound();

    private static EmailMessageResponse ToResponse(EmailLogEntry e) =>
        new(e.Id, e.Template, e.Culture, e.Recipient, e.Subject, e.Status, e.Attempts, e.LastError, e.CreatedAt, e.UpdatedAt, e.SentAt);
}
