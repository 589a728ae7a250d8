using AiInference.Extensions;
using AiInference.Serving;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddModelServing();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapInferenceProtocol();

app.Run();

/// <summary>The service's entry point, public for WebApplicationFactory in the tests.</summary>
public partial class Program;
