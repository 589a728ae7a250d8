using System.Diagnostics;
using System.Text.Json;
using AiInference.Models;
using AiInference.Predictions;
using AiInference.Runtime;

namespace AiInference.Serving;

/// <summary>
/// The Open Inference Protocol (KServe v2) REST endpoints. Health and server metadata are open (for
/// probes); everything about models needs a service token, and a model is found in the token's
/// organization first, then among the platform's models.
/// </summary>
internal static class InferenceProtocolApi
{
    public static IEndpointRouteBuilder MapInferenceProtocol(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v2/health/live", () => Results.Json(new { live = true })).WithName("ServerLive");
        app.MapGet("/v2/health/ready", (ServedModels models) => models.IsReady
            ? Results.Json(new { ready = true })
            : Results.Json(new { ready = false }, statusCode: StatusCodes.Status503ServiceUnavailable)).WithName("ServerReady");
        app.MapGet("/v2", (OnnxRuntime runtime) => Results.Json(new ServerMetadata("aiinference", runtime.Version, []))).WithName("ServerMetadata");

        var models = app.MapGroup("/v2/models/{name}").AddEndpointFilter<ServiceTokenFilter>();
        models.MapGet("/", ModelMetadataAsync).WithName("ModelMetadata");
        models.MapGet("/versions/{version}", ModelMetadataAsync).WithName("ModelVersionMetadata");
        models.MapGet("/ready", ModelReadyAsync).WithName("ModelReady");
        models.MapGet("/versions/{version}/ready", ModelReadyAsync).WithName("ModelVersionReady");
        models.MapPost("/infer", InferAsync).WithName("ModelInfer");
        models.MapPost("/versions/{version}/infer", InferAsync).WithName("ModelVersionInfer");
        return app;
    }

    public sealed record ServerMetadata(string Name, string Version, string[] Extensions);

    public sealed record TensorMetadata(string Name, string Datatype, long[] Shape);

    public sealed record ModelMetadata(string Name, string[] Versions, string Platform, TensorMetadata[] Inputs, TensorMetadata[] Outputs);

    private static IResult ModelMetadataAsync(HttpContext context, string name, string? version, ServedModels models)
    {
        if (!TryFind(context, name, version, models, out var model, out var error))
        {
            return error;
        }

        return Results.Json(new ModelMetadata(
            model.Name,
            [model.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            "onnx_onnxv1",
            [.. model.Inputs.Select(Describe)],
            [.. model.Outputs.Select(Describe)]));
    }

    private static IResult ModelReadyAsync(HttpContext context, string name, string? version, ServedModels models) =>
        TryFind(context, name, version, models, out var model, out var error) ? Results.Json(new { name = model.Name, ready = true }) : error;

    private static async Task InferAsync(HttpContext context, string name, string? version, ServedModels models, PredictionLog log, InferenceMetrics metrics)
    {
        var started = Stopwatch.GetTimestamp();
        ServedModel? model = null;
        try
        {
            // A model being replaced refuses new leases; the lookup then finds its successor.
            for (var attempt = 0; model is null; attempt++)
            {
                if (!TryFind(context, name, version, models, out var found, out var notFound))
                {
                    await notFound.ExecuteAsync(context).ConfigureAwait(false);
                    return;
                }

                if (found.TryAcquire())
                {
                    model = found;
                }
                else if (attempt > 100)
                {
                    throw new ProtocolException(StatusCodes.Status503ServiceUnavailable, $"model '{name}' is being replaced; try again");
                }
                else
                {
                    await Task.Yield();
                }
            }

            using var document = await ReadJsonAsync(context).ConfigureAwait(false);
            var request = InferenceRequestReader.Read(document.RootElement, model);
            var outputs = await model.InferAsync(request.Input, context.RequestAborted).ConfigureAwait(false);
            context.Response.ContentType = "application/json";
            await using (var json = new Utf8JsonWriter(context.Response.BodyWriter))
            {
                InferenceResponseWriter.Write(json, model, request.Id, outputs, request.RequestedOutputs);
            }

            metrics.Request(model.Name, "ok");
            log.Add(PredictionSummary.Create(model, ServiceTokenFilter.TenantOf(context), request, outputs, Stopwatch.GetElapsedTime(started)));
        }
        catch (ProtocolException exception)
        {
            metrics.Request(name, "invalid");
            await ProtocolResults.Error(exception.StatusCode, exception.Message).ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (OrtException exception)
        {
            metrics.Request(name, "failed");
            var status = exception.Code == OrtErrorCode.InvalidArgument ? StatusCodes.Status400BadRequest : StatusCodes.Status500InternalServerError;
            await ProtocolResults.Error(status, exception.Message).ExecuteAsync(context).ConfigureAwait(false);
        }
        finally
        {
            model?.Release();
        }
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpContext context)
    {
        try
        {
            return await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            throw ProtocolException.BadRequest($"the request body is not valid JSON: {exception.Message}");
        }
    }

    private static bool TryFind(HttpContext context, string name, string? version, ServedModels models, out ServedModel model, out IResult error)
    {
        model = null!;
        error = null!;
        if (!models.IsReady)
        {
            error = ProtocolResults.Error(StatusCodes.Status503ServiceUnavailable, "the server is still loading its models");
            return false;
        }

        var found = models.Find(ServiceTokenFilter.TenantOf(context), name);
        if (found is null)
        {
            error = ProtocolResults.Error(StatusCodes.Status404NotFound, $"model '{name}' not found");
            return false;
        }

        if (version is not null && version != found.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            error = ProtocolResults.Error(StatusCodes.Status404NotFound, $"version '{version}' of model '{name}' is not being served (serving version {found.Version})");
            return false;
        }

        model = found;
        return true;
    }

    private static TensorMetadata Describe(NodeMetadata node) => node.Kind == OnnxValueKind.Tensor
        ? new TensorMetadata(node.Name, Datatypes.Of(node.ElementType), [.. node.Shape])
        // ZipMap outputs are served as FP32 [rows, classes] (see InferenceResponseWriter).
        : new TensorMetadata(node.Name, "FP32", [-1, -1]);
}
