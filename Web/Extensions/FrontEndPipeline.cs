using Web.Audit;
using Web.Components;
using Web.Notifications;
using Web.Preferences;
using Web.Session;

namespace Web.Extensions;

/// <summary>The request pipeline and endpoints of the front end, in order.</summary>
public static class FrontEndPipeline
{
    public static WebApplication UseFrontEnd(this WebApplication app)
    {
        // A friendly page in every environment: the product never shows a stack trace.
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found");
        app.UseStaticFiles();
        app.UseRequestLocalization();
        app.UseMiddleware<SessionExpiryMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapDefaultEndpoints();
        app.MapPreferenceEndpoints();
        app.MapSessionEndpoints();
        app.MapNotificationStream();
        app.MapAuditExport();
        app.MapRazorComponents<App>();
        return app;
    }
}
