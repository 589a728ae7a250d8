using AppHost.Hosting;
using AppHost.Hosting.Resources;

var builder = DistributedApplication.CreateBuilder(args);

// Infrastructure: local processes in run mode, containers in the manifest. Ports: --Ports:<name>=N.
var postgres = builder.AddPostgres("postgres", port: 55432);
var platformDb = postgres.AddDatabase("platformdb");
var redis = builder.AddRedis("redis", port: 56379);

// Schema first, as the database owner; the services connect as the least-privilege app role.
var migrations = builder.AddMigrations("migrations", platformDb).WaitFor(platformDb);

// The ONNX Runtime native library: fetched from npm once into .data/cache, checksum-verified.
var onnxRuntime = builder.AddOnnxRuntime("onnxruntime");

// Services
var aiInference = builder.AddProject<Projects.AiInference>("aiinference", port: 5083)
    .WithReference(platformDb).WaitFor(platformDb)
    .WaitForCompletion(migrations)
    .WithReference(onnxRuntime)
    .WithSecretParameter("ServiceTokens__SigningKey", "service-token-key");

var api = builder.AddProject<Projects.Api>("api", port: 5081)
    .WithReference(platformDb).WaitFor(platformDb)
    .WithReference(redis).WaitFor(redis)
    .WaitForCompletion(migrations)
    .WithReference(aiInference)
    .WithSecretParameter("ServiceTokens__SigningKey", "service-token-key");

var workers = builder.AddProject<Projects.Workers>("workers", port: 5082)
    .WithReference(platformDb).WaitFor(platformDb)
    .WithReference(redis).WaitFor(redis)
    .WaitForCompletion(migrations);

// Front end: a backend-for-frontend whose sessions (the Api tokens) live in Redis.
var web = builder.AddProject<Projects.Web>("web", port: 5080)
    .WithReference(api).WaitFor(api)
    .WithReference(redis).WaitFor(redis)
    .WithExternalHttpEndpoints();

if (!builder.ExecutionContext.IsPublishMode)
{
    // Links in emails (confirm your address, alerts) open the local front end; in Azure, set Email__AppBaseUrl to its public address.
    api.WithEnvironment("Email__AppBaseUrl", web.Resource.Url);
    workers.WithEnvironment("Email__AppBaseUrl", web.Resource.Url);
}

if (builder.ExecutionContext.IsPublishMode)
{
    // In Azure no AppHost runs the migrations step: Workers apply them at start, under an advisory lock.
    workers.WithEnvironment("Migrations__ApplyOnStart", "true");

    // In Azure nothing shares a signing key: the Api calls AiInference with its managed identity's Entra token for
    // AiInference's app registration, and AiInference admits only that identity. The postprovision hook registers the
    // app and gives azd these values (infra/scripts/register-aiinference-app.sh; infra/README.md).
    api.WithEnvironment("ServiceTokens__Mode", "ManagedIdentity")
        .WithDeploymentParameter("ServiceTokens__EntraAudience", "aiinference-audience");
    aiInference.WithEnvironment("ServiceTokens__Mode", "ManagedIdentity")
        .WithDeploymentParameter("ServiceTokens__EntraAudience", "aiinference-audience")
        .WithDeploymentParameter("ServiceTokens__EntraTenantId", "entra-tenant-id")
        .WithDeploymentParameter("ServiceTokens__AllowedCallers__0", "aiinference-allowed-caller");
}

builder.Build().Run();

/// <summary>The AppHost's entry point; internal so test projects that also reference a service's public Program see only that one.</summary>
internal sealed partial class Program;
