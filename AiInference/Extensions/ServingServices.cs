using AiInference.Models;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using AiInference.Predictions;
using AiInference.Runtime;
using AiInference.Serving;
using Microsoft.Extensions.Options;
using Platform.Ai;
using Platform.Data;

namespace AiInference.Extensions;

/// <summary>Registers model serving: the ONNX Runtime, the model repository and its loader, batching, the prediction log.</summary>
internal static class ServingServices
{
    public static WebApplicationBuilder AddModelServing(this WebApplicationBuilder builder)
    {
        builder.AddPlatformDatabase();
        builder.Services.AddOptions<ModelServingOptions>().BindConfiguration(ModelServingOptions.SectionName);
        var tenantFallback = builder.Configuration["AZURE_TENANT_ID"];
        // Even in Development: without its credentials AiInference can answer no model call, so it says so at start
        // instead of answering each call with a 500 (the Api, which may run without AiInference, checks only outside it).
        builder.AddServiceTokenOptions(options => options.ServerProblem(tenantFallback), inDevelopment: true);
        builder.Services.AddSingleton(sp => new ServiceTokens(sp.GetRequiredService<IOptions<ServiceTokenOptions>>().Value));
        // ServiceTokens:Mode picks how callers prove who they are: the shared key locally, Entra tokens in Azure.
        builder.Services.AddSingleton<ServiceCallerCheck>(sp =>
            sp.GetRequiredService<IOptions<ServiceTokenOptions>>().Value.Mode == ServiceTokenMode.ManagedIdentity
                ? ActivatorUtilities.CreateInstance<EntraCallerCheck>(sp)
                : new SharedKeyCallerCheck(sp.GetRequiredService<ServiceTokens>()));
        // OnnxRuntime:LibraryPath, else libonnxruntime.so.1 next to the service (copied there by the build when cached).
        builder.Services.AddSingleton(sp => OnnxRuntime.Load(sp.GetRequiredService<IConfiguration>()["OnnxRuntime:LibraryPath"]));
        builder.Services.AddSingleton<AiModelStore>();
        builder.Services.AddSingleton<AiPredictionStore>();
        builder.Services.AddSingleton<InferenceMetrics>();
        builder.Services.AddSingleton<ServedModels>();
        builder.Services.AddSingleton<PredictionLog>();
        builder.Services.AddSingleton<ServiceTokenFilter>();
        builder.Services.AddOptions<ModelStorageOptions>().BindConfiguration(ModelStorageOptions.SectionName);
        // The service's own identity (AZURE_CLIENT_ID names the user-assigned one in Azure) reads model blobs.
        builder.Services.TryAddSingleton<TokenCredential>(sp => new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = sp.GetRequiredService<IConfiguration>()["AZURE_CLIENT_ID"],
        }));
        builder.Services.AddHttpClient<ModelStorageClient>(client => client.Timeout = TimeSpan.FromMinutes(5));
        builder.Services.AddHostedService<ModelLoader>();
        builder.Services.AddHostedService<PredictionLogWriter>();
        return builder;
    }
}
