// Model serving (ONNX Runtime behind the Open Inference Protocol) arrives with its own issue;
// for now the service runs under the AppHost and answers its probes.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
