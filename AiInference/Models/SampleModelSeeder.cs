using AiInference.Runtime.Modelling.Samples;
using Platform.Ai;

namespace AiInference.Models;

/// <summary>
/// Puts the sample models our own writer builds into the repository as platform models, once, so a
/// fresh local set-up has something to call (<c>ModelServing:SeedSampleModels</c>, on in Development).
/// </summary>
internal static partial class SampleModelSeeder
{
    public static async Task SeedAsync(AiModelStore store, ILogger logger, CancellationToken cancellationToken)
    {
        var samples = new (string Name, string Type, Func<byte[]> Build)[]
        {
            ("sample-churn", "logistic", () => LogisticModel.Random(8).Build("sample-churn")),
            ("sample-sentiment", "text-classifier", () => TextClassifierModel.Sentiment().Build("sample-sentiment")),
            ("sample-trees", "tree-ensemble", () => TreeEnsembleModel.Random().Build("sample-trees")),
        };
        foreach (var (name, type, build) in samples)
        {
            if (!await store.HasPlatformModelAsync(name, cancellationToken).ConfigureAwait(false))
            {
                await store.PublishPlatformModelAsync(new NewAiModel(name, type, build()), cancellationToken).ConfigureAwait(false);
                LogSeeded(logger, name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored sample model {ModelName} (platform scope)")]
    private static partial void LogSeeded(ILogger logger, string modelName);
}
