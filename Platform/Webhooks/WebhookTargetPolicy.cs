using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Security;
using Platform.Validation;

namespace Platform.Webhooks;

/// <summary>
/// Keeps webhooks from reaching the platform's own network (SSRF): the <see cref="OutboundTargetPolicy"/> with the
/// operator's <see cref="WebhookOptions.AllowedTargets"/>, plus what an endpoint URL must be when it is saved (http(s),
/// https only in Production, no credentials, a fully qualified host).
/// </summary>
public sealed class WebhookTargetPolicy(IOptions<WebhookOptions> options, ILogger<WebhookTargetPolicy>? logger = null)
    : OutboundTargetPolicy((options ?? throw new ArgumentNullException(nameof(options))).Value.AllowedTargets, Purpose, logger)
{
    /// <summary>What the organization is told when a host reaches a refused address (which one goes only to the server log).</summary>
    public const string RefusedMessage = "The host resolves to a private, loopback, link-local or otherwise internal address; webhooks may only reach public addresses.";

    private const string Purpose = "webhooks";

    private readonly bool _requireHttps = options.Value.RequireHttps;

    /// <summary>
    /// Checks an endpoint URL before it is saved: scheme, no credentials in it, and a host whose addresses are all
    /// permitted. Returns the URL normalized.
    /// </summary>
    /// <exception cref="ValidationFailedException">The URL is refused; the message says why.</exception>
    public async Task<Uri> ValidateAsync(string? url, CancellationToken cancellationToken = default)
    {
        const string Field = "url";
        if (string.IsNullOrWhiteSpace(url) || url.Length > 2000 || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            throw ValidationFailedException.For(Field, "Enter an absolute URL of at most 2000 characters, e.g. https://example.com/webhooks.");
        }

        if (uri.Scheme != Uri.UriSchemeHttps && (uri.Scheme != Uri.UriSchemeHttp || _requireHttps))
        {
            throw ValidationFailedException.For(Field, _requireHttps ? "Webhook URLs must use https." : "Webhook URLs must use http or https.");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw ValidationFailedException.For(Field, "Put no credentials in the URL; verify the webhook signature instead.");
        }

        // "intranet", "localhost": names the platform's own resolver completes with its search domains.
        if (uri.HostNameType == UriHostNameType.Dns && !uri.IdnHost.TrimEnd('.').Contains('.', StringComparison.Ordinal) && !IsAllowedHost(uri.IdnHost))
        {
            throw ValidationFailedException.For(Field, "Enter a fully qualified host name (e.g. hooks.example.com), not a single-label one.");
        }

        try
        {
            await AddressesAsync(uri.IdnHost, cancellationToken).ConfigureAwait(false);
        }
        catch (OutboundTargetRefusedException refused)
        {
            throw ValidationFailedException.For(Field, refused.Message);
        }

        return uri;
    }
}
