using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AppHost.Hosting.Provisioning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Access;
using Platform.Audit;
using Platform.Caching;
using Platform.Data;
using Platform.Notifications;
using Platform.Workflows;

// Workflow executions per second for a 3-step workflow with no external calls (set variable → condition → set
// variable), run by the real WorkflowRunner against real PostgreSQL, beside the database's own pace for the
// simplest durable work: single-row INSERT+DELETE transactions per second, measured in the same run.
var executions = Option("--executions", 4000);
var seconds = Option("--duration", 10);
var concurrency = Option("--concurrency", 16);
var tenants = Option("--tenants", 4);

var root = Path.Combine(Path.GetTempPath(), "platform-bench", $"wf-{Environment.ProcessId}-{Guid.NewGuid():N}"[..24]);
Directory.CreateDirectory(root);
void Progress(string name, string line)
{
}

Console.WriteLine($"WorkflowThroughput: {executions} executions, baseline {seconds} s, {concurrency} concurrent, {tenants} organizations, {Environment.ProcessorCount} cores");
await using var postgres = await PostgresServer.StartAsync(new PostgresServerOptions("postgres", Path.Combine(root, "postgres"), PortGuard.GetFreePort(), Secret()), Progress);
await using var redis = await RedisServer.StartAsync(new RedisServerOptions("redis", Path.Combine(root, "redis"), PortGuard.GetFreePort(), Secret()), Progress);
try
{
    var owner = new DatabaseRole("platformdb_owner", Secret());
    var app = new DatabaseRole("platformdb_app", Secret());
    await postgres.EnsureDatabaseAsync("platformdb", owner, app);
    var ownerConnection = PostgresServer.BuildConnectionString(postgres.Options.Port, owner.Name, owner.Password, "platformdb");
    await SchemaUpdater.UpdateAsync(ownerConnection);
    var appConnection = PostgresServer.BuildConnectionString(postgres.Options.Port, app.Name, app.Password, "platformdb") + $";Maximum Pool Size={concurrency + 8}";

    // Baseline: what the database does for the simplest durable unit of work, at the same concurrency.
    await using (var setup = new NpgsqlConnection(ownerConnection))
    {
        await setup.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE TABLE bench_rows (id bigint PRIMARY KEY, payload text NOT NULL); GRANT SELECT, INSERT, DELETE ON bench_rows TO {app.Name}", setup);
        await create.ExecuteNonQueryAsync();
    }

    await using var raw = NpgsqlDataSource.Create(appConnection);
    await RawTransactionsAsync(raw, TimeSpan.FromSeconds(2), concurrency); // warm-up
    var baseline = await RawTransactionsAsync(raw, TimeSpan.FromSeconds(seconds), concurrency);

    // Workflows: the services as the Workers register them, with limits that leave the runner as the bottleneck.
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["MaxConcurrentExecutionsPerTenant"] = "1000",
        ["MaxConcurrentExecutionsPerWorker"] = concurrency.ToString(CultureInfo.InvariantCulture),
        ["PollInterval"] = "00:00:00.050",
    }).Build();
    var services = new ServiceCollection();
    services.AddLogging();
    services.AddPlatformDatabase(appConnection);
    services.AddRedisClient(redis.ConnectionString);
    services.AddAudit();
    services.AddOptions<AccessControlOptions>();
    services.AddSingleton<PermissionEvaluator>();
    services.AddScoped<RoleService>();
    services.AddNotifications();
    services.AddWorkflows(configuration);
    await using var provider = services.BuildServiceProvider();
    var dataSource = provider.GetRequiredService<NpgsqlDataSource>();

    var graph = WorkflowGraph.Parse("""
        { "nodes": [ { "id": "start", "type": "trigger.manual" },
            { "id": "amount", "type": "set_variable", "config": { "name": "amount", "value": "{{ trigger.data.n }}" } },
            { "id": "check", "type": "condition", "config": { "if": { "path": "vars.amount", "op": "gte", "value": 0 } } },
            { "id": "mark", "type": "set_variable", "config": { "name": "checked", "value": true } } ],
          "edges": [ { "from": "start", "to": "amount" }, { "from": "amount", "to": "check" }, { "from": "check", "to": "mark", "port": "true" } ] }
        """);
    var flows = new List<(Guid Tenant, Guid Workflow)>();
    for (var t = 0; t < tenants; t++)
    {
        var tenant = Guid.NewGuid();
        await using (var setup = new NpgsqlConnection(ownerConnection))
        {
            await setup.OpenAsync();
            await using var org = new NpgsqlCommand("INSERT INTO organizations (id, slug, name) VALUES ($1, $2, 'Bench')", setup) { Parameters = { new() { Value = tenant }, new() { Value = $"bench-{tenant:N}"[..30] } } };
            await org.ExecuteNonQueryAsync();
        }

        await using var scope = provider.CreateAsyncScope();
        var definitions = scope.ServiceProvider.GetRequiredService<WorkflowDefinitionService>();
        var created = await definitions.CreateAsync(tenant, "Bench", null, graph);
        await definitions.PublishAsync(tenant, created.Id);
        flows.Add((tenant, created.Id));
    }

    // Queue every execution first (untimed but reported), then time the runner draining them.
    var queueing = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, executions), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (n, cancellationToken) =>
    {
        var (tenant, workflow) = flows[n % flows.Count];
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Platform.Tenancy.TenantSession.ApplyAsync(connection, transaction, tenant, null, cancellationToken);
        await WorkflowStarter.StartAsync(connection, transaction, tenant, workflow, "manual", new JsonObject { ["n"] = n }, null, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    });
    queueing.Stop();

    var runner = provider.GetRequiredService<WorkflowRunner>();
    using var stop = new CancellationTokenSource();
    var running = Stopwatch.StartNew();
    var loop = runner.RunAsync((timeout, cancellationToken) => Task.Delay(timeout, cancellationToken), stop.Token);
    long completed;
    do
    {
        await Task.Delay(100);
        completed = await CountAsync(ownerConnection, "SELECT count(*) FROM workflow_executions WHERE status = 'completed'");
    }
    while (completed < executions && running.Elapsed < TimeSpan.FromMinutes(10));
    running.Stop();
    await stop.CancelAsync();
    await loop;

    var failed = await CountAsync(ownerConnection, "SELECT count(*) FROM workflow_executions WHERE status <> 'completed'");
    var steps = await CountAsync(ownerConnection, "SELECT count(*) FROM workflow_steps WHERE status = 'completed'");
    var perSecond = completed / running.Elapsed.TotalSeconds;
    Console.WriteLine();
    Console.WriteLine($"baseline  raw INSERT+DELETE transactions/s ({concurrency} connections): {baseline,10:F0}");
    Console.WriteLine($"workflow  3-step executions/s (one runner, {concurrency} at once):    {perSecond,10:F0}   ({steps} steps, {failed} not completed, {running.Elapsed.TotalSeconds:F1} s)");
    Console.WriteLine($"          starting (queueing) executions/s:                        {executions / queueing.Elapsed.TotalSeconds,10:F0}");
    Console.WriteLine($"ratio     executions per baseline transaction:                     {perSecond / baseline,10:F3}   (each execution: a share of a claim, one read, one commit per step)");
    return failed == 0 ? 0 : 1;
}
finally
{
    try
    {
        Directory.Delete(root, recursive: true);
    }
    catch (IOException)
    {
    }
}

static async Task<double> RawTransactionsAsync(NpgsqlDataSource dataSource, TimeSpan duration, int concurrency)
{
    var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    long done = 0;
    var next = 0L;
    var started = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        while (Stopwatch.GetTimestamp() < until)
        {
            var id = Interlocked.Increment(ref next);
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await using var insert = new NpgsqlCommand("INSERT INTO bench_rows (id, payload) VALUES ($1, 'x')", connection, transaction) { Parameters = { new() { Value = id } } };
                await insert.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
            }

            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await using var delete = new NpgsqlCommand("DELETE FROM bench_rows WHERE id = $1", connection, transaction) { Parameters = { new() { Value = id } } };
                await delete.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
            }

            Interlocked.Add(ref done, 2);
        }
    }));
    return done / started.Elapsed.TotalSeconds;
}

static async Task<long> CountAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    return (long)(await command.ExecuteScalarAsync())!;
}

static string Secret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
