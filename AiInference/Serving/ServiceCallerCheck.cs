using Platform.Ai;

namespace AiInference.Serving;

/// <summary>Who may call a model endpoint and for which organization, or why not.</summary>
internal readonly record struct ServiceCallerResult(Guid? TenantId, int FailureStatus, string? Failure)
{
    public static ServiceCallerResult Allowed(Guid? tenantId) => new(tenantId, 0, null);

    public static ServiceCallerResult Unauthorized(string reason) => new(null, StatusCodes.Status401Unauthorized, reason);

    public static ServiceCallerResult BadRequest(string reason) => new(null, StatusCodes.Status400BadRequest, reason);
}

/// <summary>
/// Checks the credentials of a call to a model endpoint: a shared-key service token locally
/// (<see cref="SharedKeyCallerCheck"/>), an Entra access token of an allowed managed identity in Azure
/// (<see cref="EntraCallerCheck"/>), chosen by <c>ServiceTokens:Mode</c>.
/// </summary>
internal abstract class ServiceCallerCheck
{
    private const string BearerPrefix = "Bearer ";

    public abstract Task<ServiceCallerResult> CheckAsync(HttpRequest request, CancellationToken cancellationToken);

    /// <summary>The bearer token of the request, or null.</summary>
    protected static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) ? header[BearerPrefix.Length..].Trim() : null;
    }
}

/// <summary>The local mode: an HS256 token signed with the shared key, its <c>tid</c> the organization.</summary>
internal sealed class SharedKeyCallerCheck(ServiceTokens tokens) : ServiceCallerCheck
{
    public override async Task<ServiceCallerResult> CheckAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (BearerToken(request) is not { } token)
        {
            return ServiceCallerResult.Unauthorized("a service token is required (Authorization: Bearer)");
        }

        var (valid, tenant, _) = await tokens.ValidateAsync(token).ConfigureAwait(false);
        return valid ? ServiceCallerResult.Allowed(tenant) : ServiceCallerResult.Unauthorized("the service token is not valid");
    }
}
