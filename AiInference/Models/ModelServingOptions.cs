namespace AiInference.Models;

/// <summary>How the server runs models (section <c>ModelServing</c>; the library path is <c>OnnxRuntime:LibraryPath</c>).</summary>
public sealed class ModelServingOptions
{
    public const string SectionName = "ModelServing";

    /// <summary>ORT threads inside one run. 1 suits a server that runs many requests at once on few cores.</summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Batches of one model that may run at once; 0 = one per processor.</summary>
    public int BatchExecutors { get; set; }

    /// <summary>Prediction log rows held in memory for the background writer; beyond it rows are dropped (and counted), never the request delayed.</summary>
    public int PredictionLogCapacity { get; set; } = 20_000;

    /// <summary>Rows per INSERT of the prediction log.</summary>
    public int PredictionLogBatchSize { get; set; } = 500;

    /// <summary>
    /// Local development: store the sample models (churn: logistic over 8 features, sentiment: text classifier,
    /// trees: 3-class tree ensemble) as platform models at start when they are missing. Unset: on in Development.
    /// </summary>
    /// <remarks>
    /// A default in code, not in appsettings.Development.json: test projects that reference several services
    /// receive one copy of that file name, and another service's must not be replaced by ours.
    /// </remarks>
    public bool? SeedSampleModels { get; set; }

    /// <summary>Wait before trying again to load a model stored by reference whose fetch failed (the old version serves meanwhile).</summary>
    public TimeSpan LoadRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait before reconnecting the activation listener after its connection failed.</summary>
    public TimeSpan ListenerRetryDelay { get; set; } = TimeSpan.FromSeconds(2);
}
