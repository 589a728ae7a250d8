using AiInference.Runtime;
using AiInference.Serving;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Ai;

namespace AiInference.Models;

/// <summary>
/// Loads every active model at start, then listens for activations (PostgreSQL NOTIFY from the
/// <c>ai_models</c> trigger) and loads the new version beside the old one: the old keeps serving
/// until the new session is ready, then the swap is atomic and the old one finishes its requests.
/// After a lost connection it reconciles with the table, so no activation is missed.
/// </summary>
internal sealed partial class ModelLoader(
    AiModelStore store,
    ServedModels served,
    OnnxRuntime runtime,
    ModelStorageClient storage,
    InferenceMetrics metrics,
    IConfiguration configuration,
    IOptions<ModelServingOptions> options,
    IHostEnvironment environment,
    ILogger<ModelLoader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException or IOException or TimeoutException)
            {
                LogListenerLost(logger, exception);
                await Task.Delay(options.Value.ListenerRetryDelay, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var model in served.All())
        {
            await model.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        // Its own unpooled connection: LISTEN is session state, which the shared pool must never carry.
        var builder = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(Platform.Data.DatabaseExtensions.ConnectionName))
        {
            Pooling = false,
            KeepAlive = 30,
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
        var activated = System.Threading.Channels.Channel.CreateUnbounded<Guid>();
        connection.Notification += (_, e) =>
        {
            if (Guid.TryParse(e.Payload, out var id))
            {
                activated.Writer.TryWrite(id);
            }
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {AiModelStore.ActivationChannel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
        }

        if (options.Value.SeedSampleModels ?? environment.IsDevelopment())
        {
            await SampleModelSeeder.SeedAsync(store, logger, stoppingToken).ConfigureAwait(false);
        }

        // Listening first, then reading the table: an activation in between is seen at least once.
        await ReconcileAsync(activated.Writer, stoppingToken).ConfigureAwait(false);
        served.MarkReady();
        var loads = Task.Run(() => LoadActivatedAsync(activated, stoppingToken), stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        finally
        {
            activated.Writer.TryComplete();
            await loads.ConfigureAwait(false);
        }
    }

    private async Task LoadActivatedAsync(System.Threading.Channels.Channel<Guid> activated, CancellationToken stoppingToken)
    {
        await foreach (var id in activated.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                if (await store.LoadAsync(id, stoppingToken).ConfigureAwait(false) is { Model.IsActive: true } content)
                {
                    await ServeAsync(content).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or OrtException or OperationCanceledException)
            {
                LogLoadFailed(logger, id, exception);
            }
            catch (Exception exception) when (IsStorageFailure(exception))
            {
                LogLoadFailed(logger, id, exception);
                RetryLater(activated.Writer, id, stoppingToken);
            }
        }
    }

    private async Task ReconcileAsync(System.Threading.Channels.ChannelWriter<Guid> retries, CancellationToken stoppingToken)
    {
        foreach (var content in await store.LoadActiveAsync(stoppingToken).ConfigureAwait(false))
        {
            if (served.Current(content.Model.TenantId, content.Model.Name)?.Row.Id == content.Model.Id)
            {
                continue;
            }

            try
            {
                await ServeAsync(content).ConfigureAwait(false);
            }
            catch (OrtException exception)
            {
                LogLoadFailed(logger, content.Model.Id, exception);
            }
            catch (Exception exception) when (IsStorageFailure(exception))
            {
                LogLoadFailed(logger, content.Model.Id, exception);
                RetryLater(retries, content.Model.Id, stoppingToken);
            }
        }
    }

    private async Task ServeAsync(AiModelContent content)
    {
        var row = content.Model;
        // A notification may arrive for a version already served (our own reconcile saw it first).
        if (served.Current(row.TenantId, row.Name) is { } current && current.Row.Id == row.Id)
        {
            return;
        }

        // Stored by reference: fetched and checked before anything is replaced, so a failure leaves the old version serving.
        var onnx = content.Onnx ?? await storage.FetchAsync(row, CancellationToken.None).ConfigureAwait(false);
        var session = runtime.CreateSession(onnx, new AiInference.Runtime.SessionOptions { IntraOpThreads = options.Value.IntraOpThreads });
        var executors = options.Value.BatchExecutors > 0 ? options.Value.BatchExecutors : Environment.ProcessorCount;
        var model = new ServedModel(row, session, metrics, executors);
        var previous = served.Replace(model);
        LogServing(logger, row.Name, row.Version, row.TenantId, model.BatchingEnabled);
        if (previous is not null)
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Storage may be down, the identity not yet granted, or the blob about to be fixed: such a load is tried again.</summary>
    private static bool IsStorageFailure(Exception exception) =>
        exception is ModelStorageException or HttpRequestException or TaskCanceledException or Azure.Identity.AuthenticationFailedException;

    /// <summary>Queues the model row again after <see cref="ModelServingOptions.LoadRetryDelay"/>, as if it had just been activated.</summary>
    private void RetryLater(System.Threading.Channels.ChannelWriter<Guid> activated, Guid id, CancellationToken stoppingToken) =>
        _ = Task.Delay(options.Value.LoadRetryDelay, stoppingToken).ContinueWith(
            delay => activated.TryWrite(id), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving model {ModelName} version {ModelVersion} (tenant {TenantId}, batching {Batching})")]
    private static partial void LogServing(ILogger logger, string modelName, int modelVersion, Guid? tenantId, bool batching);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not load model row {ModelId}")]
    private static partial void LogLoadFailed(ILogger logger, Guid modelId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the model activation listener; reconnecting")]
    private static partial void LogListenerLost(ILogger logger, Exception exception);
}
