using System.Text.Json.Serialization;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Access;
using Platform.Ai;
using Platform.Audit;
using Platform.Caching;
using Platform.Data;
using Platform.Email;
using Platform.Identity;
using Platform.Messaging;
using Platform.Notifications;
using Platform.RateLimiting;
using Platform.Security;
using Platform.Webhooks;
using Platform.Workflows;

namespace Api.Extensions;

internal static class ApplicationServices
{
    /// <summary>Request bodies above this size are refused with 413 before they are read.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>Everything the Api needs besides the service defaults.</summary>
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier);
        builder.Services.AddExceptionHandler<DomainExceptionHandler>();
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            // One rule for every endpoint: a field the API does not know is an error, not silently dropped.
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
        });
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);

        builder.AddPlatformDatabase();
        builder.AddRedisClient();
        builder.AddPlatformIdentity();
        builder.AddEmail();
        builder.Services.AddAudit();
        builder.AddAccessControl();
        builder.AddSecurityMonitoring();
        builder.AddMessaging();
        builder.Services.AddNotifications();
        builder.AddWebhooks();
        builder.AddWorkflows();
        builder.AddTenantRateLimiting();
        builder.Services.AddScoped<IRateLimitRejectionObserver, RateLimitSecurityEvents>();
        builder.AddPlatformAuthentication();
        builder.Services.AddPermissionAuthorization();
        builder.Services.AddSingleton<OrganizationPolicies>();
        builder.Services.AddSingleton<Platform.Ai.AiModelStore>();
        builder.AddServiceTokenOptions(options => options.CallerProblem());
        builder.Services.AddSingleton<InferenceCredentials>();
        // The service's own identity (AZURE_CLIENT_ID names the user-assigned one in Azure): AiInference's Entra tokens in ManagedIdentity mode.
        builder.Services.TryAddSingleton<TokenCredential>(sp => new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = sp.GetRequiredService<IConfiguration>()["AZURE_CLIENT_ID"],
        }));
        builder.Services.AddOptions<Platform.Ai.ModelStorageOptions>().BindConfiguration(Platform.Ai.ModelStorageOptions.SectionName);
        builder.Services.AddHttpClient<InferenceClient>(client => client.BaseAddress = new Uri(InferenceClient.BaseAddress));
        builder.Services.AddPlatformOpenApi();
    }
}
