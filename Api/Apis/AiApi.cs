using System.Net;
using System.Text.Json;
using Api.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Access;
using Platform.Ai;
using Platform.Audit;
using Platform.Data;
using Platform.Tenancy;

namespace Api.Apis;

/// <summary>
/// The organization's machine-learning models: list them (with the platform's), upload a new version,
/// activate one (AiInference switches to it without dropping requests), and run one. Predictions are
/// forwarded to AiInference with a service token for the organization.
/// </summary>
public static class AiApi
{
    /// <summary>Largest ONNX file accepted through the Api (base64 in a JSON body under the 1 MiB request limit).</summary>
    public const int MaxModelBytes = 700 * 1024;

    public static RouteGroupBuilder MapAiApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/ai/models").WithTags("AI");

        api.MapGet("/", ListAsync).WithName("ListAiModels").WithSummary("The organization's models and the platform's, every version, newest first per name.")
            .RequirePermission(Permissions.Ai.Read);
        api.MapPost("/", UploadAsync).WithName("UploadAiModel")
            .WithSummary("Store the next version of a model: its ONNX bytes (base64), or a storage reference (https URL and SHA-256) on a host the operator allows; it serves once activated.")
            .WithIdempotency()
            .RequirePermission(Permissions.Ai.ManageModels);
        api.MapPost("/{name}/versions/{version}/activate", ActivateAsync).WithName("ActivateAiModel")
            .WithSummary("Serve this version from now on; the previous one answers until the new one is loaded.")
            .RequirePermission(Permissions.Ai.ManageModels);
        api.MapPost("/{name}/infer", InferAsync).WithName("InferAiModel")
            .WithSummary("Run the active version (Open Inference Protocol request and response bodies).")
            .RequirePermission(Permissions.Ai.Predict);
        return api;
    }

    public sealed record ModelResponse(
        Guid Id, string Name, int Version, string ModelType, string Scope, bool IsActive, int MaxBatchSize, int MaxQueueDelayMicroseconds,
        JsonElement Metrics, DateTimeOffset CreatedAt, DateTimeOffset? ActivatedAt, string? StorageUri, string? Sha256);

    public sealed record ModelListResponse(IReadOnlyList<ModelResponse> Items, string? NextCursor);

    /// <summary>A new model version: <see cref="Onnx"/>, or <see cref="StorageUri"/> with <see cref="Sha256"/> (exactly one of the two).</summary>
    public sealed record UploadModelRequest(
        string Name, string ModelType, string? Onnx, int? MaxBatchSize, int? MaxQueueDelayMicroseconds, JsonElement? Metrics, string? StorageUri = null, string? Sha256 = null);

    public sealed record InferenceInput(string Name, long[] Shape, string Datatype, JsonElement Data, JsonElement? Parameters);

    public sealed record InferenceOutput(string Name, JsonElement? Parameters);

    public sealed record InferenceRequest(string? Id, InferenceInput[] Inputs, InferenceOutput[]? Outputs, JsonElement? Parameters);

    public static async Task<Ok<ModelListResponse>> ListAsync(AiModelStore models, TenantContext tenant, CancellationToken cancellationToken)
    {
        var rows = await models.ListAsync(tenant.RequiredTenantId, cancellationToken);
        return TypedResults.Ok(new ModelListResponse([.. rows.Select(ToResponse)], null));
    }

    public static async Task<Results<Created<ModelResponse>, ValidationProblem, ProblemHttpResult>> UploadAsync(
        UploadModelRequest request, PlatformDbContext db, TenantContext tenant, AuditTrail audit, IOptions<ModelStorageOptions> storage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        if (request.Name is null || !System.Text.RegularExpressions.Regex.IsMatch(request.Name, "^[a-z0-9][a-z0-9_.-]{0,63}$"))
        {
            errors["name"] = ["1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit."];
        }

        if (string.IsNullOrWhiteSpace(request.ModelType) || request.ModelType.Length > 64)
        {
            errors["modelType"] = ["Required, at most 64 characters."];
        }

        byte[]? onnx = null;
        if (request.StorageUri is not null)
        {
            if (request.Onnx is not null)
            {
                errors["onnx"] = ["Either the ONNX bytes or a storage reference, not both."];
            }

            if (storage.Value.Refusal(request.StorageUri) is { } refusal)
            {
                errors["storageUri"] = [refusal];
            }

            if (request.Sha256 is null || !System.Text.RegularExpressions.Regex.IsMatch(request.Sha256, "^[0-9a-f]{64}$"))
            {
                errors["sha256"] = ["The SHA-256 of the stored bytes, 64 lower-case hex digits: the model is served only when storage returns exactly them."];
            }
        }
        else if (request.Onnx is null || !Convert.TryFromBase64String(request.Onnx, onnx = new byte[request.Onnx.Length * 3 / 4 + 3], out var length) || length == 0)
        {
            errors["onnx"] = ["The ONNX model file, base64-encoded (or a storageUri with its sha256)."];
        }
        else if (length > MaxModelBytes)
        {
            errors["onnx"] = [$"At most {MaxModelBytes / 1024} KiB through the Api."];
        }
        else
        {
            onnx = onnx![..length];
        }

        if (request.MaxBatchSize is < 1 or > 4096)
        {
            errors["maxBatchSize"] = ["Between 1 (no batching) and 4096."];
        }

        if (request.MaxQueueDelayMicroseconds is < 0 or > 1_000_000)
        {
            errors["maxQueueDelayMicroseconds"] = ["Between 0 and 1,000,000."];
        }

        if (request.Metrics is { ValueKind: not JsonValueKind.Object })
        {
            errors["metrics"] = ["A JSON object of the model's evaluation figures."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (connection, npgsqlTransaction) = Npgsql(db, transaction);
        await TenantSession.ApplyAsync(connection, npgsqlTransaction, tenant.RequiredTenantId, tenant.UserId, cancellationToken);
        AiModel stored;
        try
        {
            stored = await AiModelStore.AddVersionAsync(connection, npgsqlTransaction, tenant.RequiredTenantId, tenant.UserId,
                new NewAiModel(request.Name!, request.ModelType, onnx, Metrics: request.Metrics?.GetRawText() ?? "{}",
                    MaxBatchSize: request.MaxBatchSize ?? 64, MaxQueueDelayMicroseconds: request.MaxQueueDelayMicroseconds ?? 2000)
                {
                    StorageUri = onnx is null ? request.StorageUri : null,
                    StorageSha256 = onnx is null ? request.Sha256 : null,
                }, cancellationToken);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return AuthApi.Problem(StatusCodes.Status409Conflict, "model_version_conflict", "Another version of this model was uploaded at the same time; try again.");
        }

        await audit.RecordAsync("ai_model.uploaded", "ai_model", stored.Id.ToString(),
            after: new { stored.Name, stored.Version, stored.ModelType, Bytes = onnx?.Length, stored.StorageUri, Sha256 = stored.StorageSha256 }, cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/ai/models/{stored.Name}/versions/{stored.Version}", ToResponse(stored));
    }

    public static async Task<Results<Ok<ModelResponse>, NotFound>> ActivateAsync(
        string name, string version, PlatformDbContext db, TenantContext tenant, AuditTrail audit, CancellationToken cancellationToken)
    {
        // A string segment, so any malformed version is simply a version that does not exist.
        if (!int.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return TypedResults.NotFound();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (connection, npgsqlTransaction) = Npgsql(db, transaction);
        await TenantSession.ApplyAsync(connection, npgsqlTransaction, tenant.RequiredTenantId, tenant.UserId, cancellationToken);
        var (before, after) = await AiModelStore.ActivateAsync(connection, npgsqlTransaction, tenant.RequiredTenantId, name, number, cancellationToken);
        if (after is null)
        {
            return TypedResults.NotFound();
        }

        await audit.RecordAsync("ai_model.activated", "ai_model", after.Id.ToString(),
            before: before is null ? null : new { before.Name, before.Version }, after: new { after.Name, after.Version }, cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(ToResponse(after));
    }

    public static async Task<IResult> InferAsync(
        string name, InferenceRequest request, AiModelStore models, InferenceClient inference, TenantContext tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Inputs is null || request.Inputs.Length == 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["inputs"] = ["At least one input tensor."] });
        }

        for (var i = 0; i < request.Inputs.Length; i++)
        {
            var input = request.Inputs[i];
            if (input is null || string.IsNullOrEmpty(input.Name) || string.IsNullOrEmpty(input.Datatype) || input.Shape is null || input.Data.ValueKind != JsonValueKind.Array)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [$"inputs[{i}]"] = ["A tensor needs name, datatype, shape and a data array."] });
            }
        }

        if (request.Outputs?.Any(o => o is null || string.IsNullOrEmpty(o.Name)) == true)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["outputs"] = ["Each requested output needs a name."] });
        }

        // Checked here, so another organization's model name is a 404 whatever AiInference's state.
        if (!await models.IsServableAsync(tenant.RequiredTenantId, name, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJson);
        var answer = await inference.InferAsync(tenant.RequiredTenantId, name, body, cancellationToken);
        if (answer is not { } result)
        {
            return AuthApi.Problem(StatusCodes.Status503ServiceUnavailable, "inference_unavailable", "The inference service cannot be reached; try again shortly.");
        }

        if (result.Status == HttpStatusCode.OK)
        {
            return TypedResults.Bytes(result.Body, "application/json");
        }

        if (result.Status == HttpStatusCode.NotFound)
        {
            // Active in the repository but not served yet: AiInference is loading a version activated moments ago.
            return AuthApi.Problem(StatusCodes.Status503ServiceUnavailable, "model_loading", "The model was activated moments ago and is still loading; try again in a second.");
        }

        // The protocol's {"error": "..."} becomes the Api's problem document, keeping AiInference's message.
        var detail = TryReadError(result.Body);
        var status = result.Status == HttpStatusCode.BadRequest ? StatusCodes.Status400BadRequest : StatusCodes.Status502BadGateway;
        return AuthApi.Problem(status, status == 400 ? "inference_rejected" : "inference_failed",
            status == 400 ? "The model refused the input." : "The inference service failed.", detail);
    }

    private static readonly JsonSerializerOptions ProtocolJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private static string? TryReadError(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("error", out var error) ? error.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (NpgsqlConnection Connection, NpgsqlTransaction Transaction) Npgsql(PlatformDbContext db, IDbContextTransaction transaction) =>
        ((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)transaction.GetDbTransaction());

    private static ModelResponse ToResponse(AiModel m)
    {
        using var metrics = JsonDocument.Parse(m.Metrics);
        return new(m.Id, m.Name, m.Version, m.ModelType, m.TenantId is null ? "platform" : "organization", m.IsActive, m.MaxBatchSize,
            m.MaxQueueDelayMicroseconds, metrics.RootElement.Clone(), m.CreatedAt, m.ActivatedAt, m.StorageUri, m.StorageSha256);
    }
}
