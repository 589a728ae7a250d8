using Web.Clients;
using Web.Components;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddRazorComponents();
// "http://api" is a logical name, resolved from services__api__http__0 by service discovery.
builder.Services.AddHttpClient<ApiHealthClient>(client => client.BaseAddress = new Uri("http://api"));

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
}

app.UseStaticFiles();
app.UseAntiforgery();
app.MapDefaultEndpoints();
app.MapRazorComponents<App>();

app.Run();
