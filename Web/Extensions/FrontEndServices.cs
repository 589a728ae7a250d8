using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Localization;
using Platform.Caching;
using Web.Access;
using Web.Clients;
using Web.Preferences;
using Web.Session;

namespace Web.Extensions;

/// <summary>Everything the front end registers: pages, localization, the cookie session over server-side tokens, permissions, Api clients.</summary>
public static class FrontEndServices
{
    // "http://api" is a logical name, resolved from services__api__http__0 by service discovery.
    private static readonly Uri ApiAddress = new("http://api");

    public static IHostApplicationBuilder AddFrontEnd(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddRazorComponents();
        services.AddHttpContextAccessor();
        services.AddLocalization();
        services.Configure<RequestLocalizationOptions>(options =>
        {
            options.SetDefaultCulture(UiCultures.Default).AddSupportedCultures([.. UiCultures.Supported]).AddSupportedUICultures([.. UiCultures.Supported]);
            // The remembered choice first, then the browser's languages.
            options.RequestCultureProviders = [new CookieRequestCultureProvider(), new AcceptLanguageHeaderRequestCultureProvider()];
        });

        // Tokens live in Redis (shared by Web replicas); the data-protection key ring protects the cookie and those entries.
        builder.AddRedisClient("redis");
        services.AddDataProtection().SetApplicationName("business-platform-web");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(provider => new ConfigureOptions<KeyManagementOptions>(
            options => options.XmlRepository = new RedisKeyRing(provider.GetRequiredService<RedisClient>())));
        services.AddSingleton<TokenStore>();
        services.AddTransient<SessionTokens>();
        services.AddScoped<WebSignIn>();
        services.AddScoped<PendingSignIn>();
        services.AddTransient<AccessTokenHandler>();

        services.AddAuthentication(SessionClaims.Scheme).AddCookie(SessionClaims.Scheme, options =>
        {
            options.Cookie.Name = "bp.session";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.LoginPath = "/sign-in";
            options.AccessDeniedPath = "/forbidden";
            options.ReturnUrlParameter = "returnUrl";
            options.SlidingExpiration = false;
            options.Events.OnValidatePrincipal = SessionStillHeld;
        });
        services.AddSingleton<IAuthorizationPolicyProvider, PermissionPolicies>();
        services.AddScoped<IAuthorizationHandler, PermissionHandler>();
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        services.AddScoped<CurrentUser>();

        services.AddTransient<BrowserHeadersHandler>();
        services.AddHttpClient<ApiHealthClient>(client => client.BaseAddress = ApiAddress);
        services.AddHttpClient<AuthClient>(client => client.BaseAddress = ApiAddress).AddHttpMessageHandler<BrowserHeadersHandler>();
        services.AddHttpClient(WebSignIn.BareApiClient, client => client.BaseAddress = ApiAddress).AddHttpMessageHandler<BrowserHeadersHandler>();
        services.AddSignedInApiClient<AccountClient>();
        services.AddSignedInApiClient<MembersClient>();
        services.AddSignedInApiClient<NotificationsClient>();
        services.AddSignedInApiClient<ApiKeysClient>();
        services.AddSignedInApiClient<DeadLettersClient>();
        services.AddSignedInApiClient<AuditClient>();
        services.AddSignedInApiClient<WorkflowsClient>();
        services.AddSignedInApiClient<WebhooksClient>();
        services.AddSignedInApiClient<SecurityClient>();
        services.AddSignedInApiClient<OrganizationClient>();
        return builder;
    }

    /// <summary>
    /// An Api client that calls as the signed-in reader (their access token, refreshed as needed). A new
    /// module's client is one more line like the one above.
    /// </summary>
    public static IHttpClientBuilder AddSignedInApiClient<TClient>(this IServiceCollection services)
        where TClient : class
    {
        return services.AddHttpClient<TClient>(client => client.BaseAddress = ApiAddress)
            .AddHttpMessageHandler<BrowserHeadersHandler>()
            .AddHttpMessageHandler<AccessTokenHandler>();
    }

    /// <summary>A cookie whose tokens are gone (signed out on another tab, expired in Redis) no longer signs anyone in.</summary>
    private static async Task SessionStillHeld(CookieValidatePrincipalContext context)
    {
        var sessionId = context.Principal?.FindFirst(SessionClaims.SessionId)?.Value;
        var store = context.HttpContext.RequestServices.GetRequiredService<TokenStore>();
        if (sessionId is null || await store.GetAsync(sessionId, context.HttpContext.RequestAborted) is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(SessionClaims.Scheme);
        }
    }
}
