using Web.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddFrontEnd();

var app = builder.Build();

app.UseFrontEnd();

app.Run();
