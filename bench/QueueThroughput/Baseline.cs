using System.Diagnostics;
using Npgsql;

namespace QueueThroughput;

/// <summary>
/// The baseline: the raw rate of single-row transactions on the same database through the same data source, each
/// inserting a row and deleting it again (what a message costs the queue at least), from as many workers as there are
/// consumers. No row-level security, no outbox, no queue.
/// </summary>
internal static class Baseline
{
    public static async Task PrepareAsync(BenchDatabase db, CancellationToken cancellationToken) =>
        await db.ExecuteAsOwnerAsync(
            """
            CREATE TABLE IF NOT EXISTS bench_rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
            GRANT SELECT, INSERT, DELETE ON bench_rows TO platformdb_app;
            """,
            cancellationToken);

    /// <summary>Transactions per second over <paramref name="duration"/>, after <paramref name="warmup"/> unmeasured.</summary>
    public static async Task<double> RunAsync(BenchDatabase db, int workers, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken)
    {
        long committed = 0;
        var measuring = false;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = Enumerable.Range(0, workers).Select(_ => Task.Run(
            async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await using var connection = await db.DataSource.OpenConnectionAsync(stop.Token);
                    await using var transaction = await connection.BeginTransactionAsync(stop.Token);
                    long id;
                    await using (var insert = new NpgsqlCommand("INSERT INTO bench_rows (payload) VALUES ($1::jsonb) RETURNING id", connection, transaction))
                    {
                        insert.Parameters.Add(new NpgsqlParameter { Value = """{"n":1}""" });
                        id = (long)(await insert.ExecuteScalarAsync(stop.Token))!;
                    }

                    await using (var delete = new NpgsqlCommand("DELETE FROM bench_rows WHERE id = $1", connection, transaction))
                    {
                        delete.Parameters.Add(new NpgsqlParameter { Value = id });
                        await delete.ExecuteNonQueryAsync(stop.Token);
                    }

                    await transaction.CommitAsync(stop.Token);
                    if (Volatile.Read(ref measuring))
                    {
                        Interlocked.Increment(ref committed);
                    }
                }
            },
            stop.Token)).ToArray();

        await Task.Delay(warmup, cancellationToken);
        Volatile.Write(ref measuring, true);
        var clock = Stopwatch.StartNew();
        await Task.Delay(duration, cancellationToken);
        Volatile.Write(ref measuring, false);
        var elapsed = clock.Elapsed;
        var count = Interlocked.Read(ref committed);
        await stop.CancelAsync();
        await Pipeline.QuietlyAsync(tasks);
        return count / elapsed.TotalSeconds;
    }
}
