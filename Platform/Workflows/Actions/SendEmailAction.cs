using System.Globalization;
using System.Net.Mail;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Platform.Email;

namespace Platform.Workflows.Actions;

/// <summary>
/// Sends one of the platform's templated emails for the organization:
/// <c>{"to":"{{ trigger.data.email }}","template":"member_joined","culture":"fr","model":{"memberName":"{{ trigger.data.name }}",…}}</c>.
/// Rendered and queued through <see cref="EmailService"/> (the organization's version of the template and its
/// branding apply; the Workers deliver it). Output: <c>{emailId}</c>.
/// </summary>
/// <remarks>
/// The step's idempotency key goes with the email, so a step run again after a crash finds the email it already
/// queued instead of sending a second one.
/// </remarks>
public sealed class SendEmailAction : IWorkflowAction
{
    /// <summary>Prefixes the step's key in the send log, apart from keys other callers may use.</summary>
    public const string IdempotencyPrefix = "workflow:";

    /// <summary>
    /// Account and security emails only the platform sends: a workflow sending its own "reset your password" or "new
    /// sign-in" email, under the platform's brand with links of its choosing, would be a phishing kit.
    /// </summary>
    public static readonly IReadOnlySet<string> PlatformOnlyTemplates = new HashSet<string>(StringComparer.Ordinal)
    {
        EmailTemplates.EmailVerification, EmailTemplates.PasswordReset, EmailTemplates.Invitation, EmailTemplates.NewSignIn,
        EmailTemplates.MfaEnabled, EmailTemplates.MfaDisabled, EmailTemplates.MfaRecoveryCodesRegenerated, EmailTemplates.AccountLocked,
        EmailTemplates.SecurityAlert, EmailTemplates.PasswordChanged, EmailTemplates.EmailChanged, EmailTemplates.ApiKeyCreated,
        EmailTemplates.ApiKeyExpiring, EmailTemplates.WebhookEndpointDisabled, EmailTemplates.WorkflowFailed,
    };

    public string Type => "send_email";

    public IReadOnlyList<WorkflowSetting> Settings { get; } = [WorkflowSetting.Text("to", required: true), WorkflowSetting.Text("template", required: true), WorkflowSetting.Text("culture"), WorkflowSetting.Json("model")];

    public IEnumerable<string> Validate(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config["to"] is not JsonValue to || !to.TryGetValue<string>(out var address) || !(IsTemplate(address) || IsAddress(address)))
        {
            yield return "to: one email address (templates allowed).";
        }

        var catalogue = EmailTemplateCatalogue.Default;
        EmailTemplateDefinition? template = null;
        if (config["template"] is not JsonValue key || !key.TryGetValue<string>(out var name)
            || PlatformOnlyTemplates.Contains(name) || (template = catalogue.Find(name)) is null)
        {
            yield return $"template: one of {string.Join(", ", catalogue.All.Select(t => t.Key).Where(k => !PlatformOnlyTemplates.Contains(k)))}.";
        }

        if (config["culture"] is { } culture
            && (culture is not JsonValue c || !c.TryGetValue<string>(out var language) || !(IsTemplate(language) || EmailTemplateCatalogue.Match(language) is not null)))
        {
            yield return $"culture: one of {string.Join(", ", EmailTemplateCatalogue.Cultures)} (or leave it out for the default).";
        }

        var model = config["model"];
        if (model is not null and not JsonObject)
        {
            yield return "model: an object of the template's variables to values.";
            yield break;
        }

        var values = model as JsonObject ?? [];
        foreach (var (variable, value) in values)
        {
            if (value is not JsonValue v || !v.TryGetValue<string>(out _))
            {
                yield return $"model.{variable}: a text value (templates allowed).";
            }
        }

        if (template is null)
        {
            yield break;
        }

        var missing = template.Variables.Where(v => !values.ContainsKey(v)).ToList();
        if (missing.Count > 0)
        {
            yield return $"model: the template '{template.Key}' needs {string.Join(", ", missing)}.";
        }

        var known = template.Variables.Concat(template.OptionalVariables).ToHashSet(StringComparer.Ordinal);
        var unknown = values.Select(p => p.Key).Where(k => !known.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            yield return $"model: the template '{template.Key}' has no variable {string.Join(", ", unknown)} (it knows {string.Join(", ", known.Order(StringComparer.Ordinal))}).";
        }
    }

    public async Task<WorkflowActionResult> ExecuteAsync(WorkflowActionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var model = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (variable, value) in context.Config["model"] as JsonObject ?? [])
        {
            // A whole-value template may have rendered to a number or a flag: the email shows it as text.
            model[variable] = value switch
            {
                null => null,
                JsonValue v when v.TryGetValue<string>(out var text) => text,
                JsonValue v when v.TryGetValue<bool>(out var flag) => flag ? "true" : "false",
                JsonValue v when v.TryGetValue<decimal>(out var number) => number.ToString(CultureInfo.InvariantCulture),
                _ => value.ToJsonString(),
            };
        }

        var email = context.Services.GetRequiredService<EmailService>();
        var id = await email.QueueAsync(
            new EmailRequest(context.TenantId, context.Text("template") ?? string.Empty, context.Text("to")?.Trim() ?? string.Empty, context.Text("culture"), model,
                IdempotencyPrefix + context.IdempotencyKey),
            cancellationToken).ConfigureAwait(false);
        return WorkflowActionResult.Done(new JsonObject { ["emailId"] = id.ToString() });
    }

    private static bool IsTemplate(string text) => text.Contains("{{", StringComparison.Ordinal);

    private static bool IsAddress(string text) =>
        text.Trim() is { Length: >= 3 and <= 320 } trimmed && MailAddress.TryCreate(trimmed, out var parsed) && parsed.Address == trimmed;
}
