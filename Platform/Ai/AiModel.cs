namespace Platform.Ai;

/// <summary>
/// One version of a model in the repository (without its bytes). <see cref="TenantId"/> null means a
/// platform model, which every organization may use.
/// </summary>
public sealed record AiModel(
    Guid Id,
    Guid? TenantId,
    string Name,
    int Version,
    string ModelType,
    string? StorageUri,
    string InputSchema,
    string OutputSchema,
    string Metrics,
    int MaxBatchSize,
    int MaxQueueDelayMicroseconds,
    Guid? CreatedBy,
    DateTimeOffset CreatedAt,
    bool IsActive,
    DateTimeOffset? ActivatedAt,
    string? StorageSha256 = null);

/// <summary>A model version with its ONNX bytes, as AiInference loads it.</summary>
public sealed record AiModelContent(AiModel Model, byte[]? Onnx);

/// <summary>
/// A new version of a model; its number is the next one for its name. Either its ONNX bytes, or a reference to them
/// in storage (<see cref="StorageUri"/>, with their <see cref="StorageSha256"/>) and <see cref="Onnx"/> null.
/// </summary>
public sealed record NewAiModel(
    string Name,
    string ModelType,
    byte[]? Onnx,
    string InputSchema = "[]",
    string OutputSchema = "[]",
    string Metrics = "{}",
    int MaxBatchSize = 64,
    int MaxQueueDelayMicroseconds = 2000)
{
    public string? StorageUri { get; init; }

    /// <summary>SHA-256 of the referenced bytes, lower-case hex.</summary>
    public string? StorageSha256 { get; init; }
}

/// <summary>A served prediction, written to <c>ai_predictions</c> in the background.</summary>
public sealed record AiPrediction(
    Guid? TenantId,
    Guid ModelId,
    string ModelName,
    int ModelVersion,
    string? RequestId,
    string InputSummary,
    string Output,
    float? Confidence,
    float LatencyMilliseconds,
    DateTimeOffset CreatedAt);
