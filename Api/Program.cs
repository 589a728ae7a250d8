using Api.Apis;
using Api.Extensions;
using Platform.RateLimiting;
using Platform.Security;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddClientAddresses();

var app = builder.Build();

app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRequestSizeLimit(ApplicationServices.MaxRequestBodyBytes);
app.UseEmailCulture();
app.UseAuthentication();
app.UseTenantResolution();
app.UseIpRuleEnforcement();
app.UseTenantRateLimiting();
app.UseAuthorization();
app.UseIdempotency();

app.MapDefaultEndpoints();
app.MapOpenApi("/openapi/{documentName}.json");
app.MapAuthApi();
app.MapAccountApi();
app.MapOrganizationApi();
app.MapUsersApi();
app.MapRolesApi();
app.MapAuditApi();
app.MapSecurityApi();
app.MapApiKeysApi();
app.MapInvitationsApi();
app.MapDeadLettersApi();
app.MapNotificationsApi();
app.MapWebhooksApi();
app.MapEmailApi();
app.MapWorkflowsApi();
app.MapAiApi();

app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
