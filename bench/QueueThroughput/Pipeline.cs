using System.Collections.Concurrent;
using System.Diagnostics;
using Benchmarks.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Messaging;
using Platform.Tenancy;

namespace QueueThroughput;

/// <summary>What one phase measured: messages handled per second and enqueue-to-handle latency.</summary>
internal sealed record PhaseResult(
    string Name, double ProducedPerSecond, double HandledPerSecond, double[] LatenciesMs, long OutboxBacklog, long QueueBacklog, long Handled,
    IReadOnlyDictionary<string, TimeSpan> Cpu)
{
    /// <summary>CPU milliseconds per handled message of each process, and of all together.</summary>
    public string CpuPerMessage() => Handled == 0
        ? "no message handled"
        : string.Join("  ", Cpu.Select(p => $"{p.Key} {p.Value.TotalMilliseconds / Handled:0.000}")) +
          $"  = {Cpu.Values.Sum(t => t.TotalMilliseconds) / Handled:0.000} ms";

    public double PercentileMs(double percentile)
    {
        if (LatenciesMs.Length == 0)
        {
            return double.NaN;
        }

        var sorted = LatenciesMs.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// The whole path a message takes in the application, in this process: producers commit an event into the outbox in
/// their own tenant-keyed transaction (as a request does), the relay publishes it to the PostgreSQL queue, and
/// competing <see cref="MessageConsumer"/>s handle it with an empty handler (inbox record, commit, acknowledgement).
/// Latency runs from the producer's commit to the handler's call.
/// </summary>
internal sealed class Pipeline : IAsyncDisposable
{
    private const string Queue = "bench";
    private const string EventType = "bench.tick";
    private readonly BenchDatabase _db;
    private readonly Guid[] _organizations;
    private readonly PostgresQueueTransport _transport;
    private readonly IOptions<MessagingOptions> _options;
    private readonly ConcurrentDictionary<Guid, long> _committedAt = new();
    private readonly ConcurrentBag<double> _latencies = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _running = [];
    private long _produced;
    private long _handled;
    private volatile bool _measuring;

    public Pipeline(BenchDatabase db, Guid[] organizations, int consumers, bool sharedTransaction)
    {
        _db = db;
        _organizations = organizations;
        _transport = new PostgresQueueTransport(db.DataSource, NullLogger<PostgresQueueTransport>.Instance);
        var options = new MessagingOptions();
        options.Routes[Queue] = [EventType];
        _options = Options.Create(options);

        var relay = new OutboxRelay(db.DataSource, _transport, _options, NullLogger<OutboxRelay>.Instance);
        _running.Add(Task.Run(() => relay.RunAsync(_stopping.Token)));
        for (var i = 0; i < consumers; i++)
        {
            // One consumer name: competing consumers share the inbox, as replicas of one Workers deployment do.
            var consumer = new MessageConsumer("bench", Queue, _transport, db.DataSource, _options, NullLogger<MessageConsumer>.Instance)
            {
                SharedTransaction = sharedTransaction,
            };
            _running.Add(Task.Run(() => consumer.RunAsync(HandleAsync, _stopping.Token)));
        }
    }

    /// <summary>Producers writing as fast as they can, each one event per transaction.</summary>
    public Task<PhaseResult> SaturateAsync(int producers, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken) =>
        MeasureAsync("saturation", producers, interval: null, warmup, duration, cancellationToken);

    /// <summary>An offered rate, spread over enough producers to keep up with it.</summary>
    public Task<PhaseResult> OfferAsync(int rate, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken)
    {
        const int Producers = 16;
        return MeasureAsync($"{rate}/s offered", Producers, TimeSpan.FromSeconds(Producers / (double)rate), warmup, duration, cancellationToken);
    }

    /// <summary>Waits until every event produced so far was handled (a phase leaves no backlog behind for the next).</summary>
    public async Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!_committedAt.IsEmpty && clock.Elapsed < timeout)
        {
            await Task.Delay(50, cancellationToken);
        }

        if (!_committedAt.IsEmpty)
        {
            throw new TimeoutException($"{_committedAt.Count} messages were still unhandled {timeout.TotalSeconds:0} s after the producers stopped.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await QuietlyAsync(_running);
        await _transport.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>Awaits tasks that end by cancellation, which is how they are meant to end here.</summary>
    public static async Task QuietlyAsync(IEnumerable<Task> tasks)
    {
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<PhaseResult> MeasureAsync(string name, int producers, TimeSpan? interval, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = Enumerable.Range(0, producers).Select(i => Task.Run(() => ProduceAsync(i, producers, interval, stop.Token), stop.Token)).ToArray();
        await Task.Delay(warmup, cancellationToken);

        _latencies.Clear();
        var produced = Interlocked.Read(ref _produced);
        var handled = Interlocked.Read(ref _handled);
        var cpu = ProcessCpu.Read(_db.Processes);
        _measuring = true;
        var clock = Stopwatch.StartNew();
        await Task.Delay(duration, cancellationToken);
        _measuring = false;
        var seconds = clock.Elapsed.TotalSeconds;
        var used = ProcessCpu.Between(cpu, ProcessCpu.Read(_db.Processes));
        var handledCount = Interlocked.Read(ref _handled) - handled;
        var producedPerSecond = (Interlocked.Read(ref _produced) - produced) / seconds;
        var handledPerSecond = handledCount / seconds;
        // Where a backlog waits says which stage fell behind: the relay (outbox) or the consumers (queue).
        var result = new PhaseResult(
            name, producedPerSecond, handledPerSecond, [.. _latencies],
            await _db.CountAsOwnerAsync("SELECT count(*) FROM outbox_messages", cancellationToken),
            await _db.CountAsOwnerAsync($"SELECT count(*) FROM queue_messages WHERE queue = '{Queue}'", cancellationToken),
            handledCount,
            used);

        await stop.CancelAsync();
        await QuietlyAsync(tasks);
        return result;
    }

    private async Task ProduceAsync(int producer, int producers, TimeSpan? interval, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // Paced producers start evenly spread over one interval, so the offered load is smooth.
        var next = interval is { } every ? every * producer / producers : TimeSpan.Zero;
        for (var n = 0; !cancellationToken.IsCancellationRequested; n++)
        {
            if (interval is { } pace)
            {
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(wait, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }

                next += pace;
            }

            var tenant = _organizations[(producer + n) % _organizations.Length];
            var integrationEvent = IntegrationEvent.Create(EventType, tenant, new { producer, n });
            // Not cancelled midway: an event whose commit is in doubt would count as lost when draining.
            await using var connection = await _db.ProducerDataSource.OpenConnectionAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
            // The organization's key travels with the insert, as the Api's EF Core interceptor sends it with each command.
            await using (var write = new NpgsqlBatch(connection, transaction) { BatchCommands = { TenantSession.Command(tenant, userId: null), Outbox.Command(integrationEvent) } })
            {
                await write.ExecuteNonQueryAsync(CancellationToken.None);
            }

            // Recorded before the commit returns, so a consumer fast enough to see the event first still finds it;
            // refined to the commit's end unless that consumer took it already.
            var before = Stopwatch.GetTimestamp();
            _committedAt[integrationEvent.Id] = before;
            await transaction.CommitAsync(CancellationToken.None);
            _committedAt.TryUpdate(integrationEvent.Id, Stopwatch.GetTimestamp(), before);
            Interlocked.Increment(ref _produced);
        }
    }

    private Task HandleAsync(ReceivedMessage message, ConsumeContext context, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        if (_committedAt.TryRemove(message.MessageId, out var committed))
        {
            Interlocked.Increment(ref _handled);
            if (_measuring)
            {
                _latencies.Add(Stopwatch.GetElapsedTime(committed, now).TotalMilliseconds);
            }
        }

        return Task.CompletedTask;
    }
}
