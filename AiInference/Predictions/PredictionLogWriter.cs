using AiInference.Models;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Ai;

namespace AiInference.Predictions;

/// <summary>Writes the prediction log to PostgreSQL in batches, off the request path; on stop it writes what is left.</summary>
internal sealed partial class PredictionLogWriter(
    PredictionLog log, AiPredictionStore store, IOptions<ModelServingOptions> options, ILogger<PredictionLogWriter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AiPrediction>(options.Value.PredictionLogBatchSize);
        try
        {
            while (await log.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                await DrainAsync(batch, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: write what is buffered with a short grace period.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await DrainAsync(batch, grace.Token).ConfigureAwait(false);
        }
    }

    private async Task DrainAsync(List<AiPrediction> batch, CancellationToken cancellationToken)
    {
        while (log.Reader.TryRead(out var first))
        {
            batch.Clear();
            batch.Add(first);
            while (batch.Count < options.Value.PredictionLogBatchSize && log.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                await store.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException)
            {
                LogWriteFailed(logger, batch.Count, exception);
            }
            finally
            {
                log.Written(batch.Count);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write {Count} prediction log rows")]
    private static partial void LogWriteFailed(ILogger logger, int count, Exception exception);
}
