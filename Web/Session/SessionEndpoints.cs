using Microsoft.AspNetCore.Mvc;
using Web.Clients;
using Web.Preferences;

namespace Web.Session;

/// <summary>Form posts from the layout that change the session: sign out, switch organization.</summary>
public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        // It binds no form field, so antiforgery is asked for explicitly: no other site can sign a reader out.
        app.MapPost("/sign-out", SignOutAsync).WithName("SignOut").WithMetadata(new Microsoft.AspNetCore.Antiforgery.RequireAntiforgeryTokenAttribute());
        app.MapPost("/organizations/switch", SwitchAsync).WithName("SwitchOrganization").RequireAuthorization();
        return app;
    }

    private static async Task<IResult> SignOutAsync(WebSignIn signIn, AccountClient account, CancellationToken cancellationToken)
    {
        await signIn.EndAsync(account, cancellationToken);
        return Results.LocalRedirect("/sign-in?signedOut=1");
    }

    private static async Task<IResult> SwitchAsync([FromForm] Guid organizationId, [FromForm] string? returnUrl, AccountClient account, WebSignIn signIn, CancellationToken cancellationToken)
    {
        var switched = await account.SwitchOrganizationAsync(organizationId, cancellationToken);
        if (switched.Value is not { } tokens)
        {
            return Results.LocalRedirect("/organizations?failed=1");
        }

        // The switch opens a new session at the Api; the one this browser leaves is ended, not orphaned.
        await account.LogoutAsync(cancellationToken);
        await signIn.StartAsync(tokens, cancellationToken);
        return tokens.MfaSetupRequired ? Results.LocalRedirect("/account/security?required=1") : PreferenceEndpoints.Back(returnUrl);
    }
}
