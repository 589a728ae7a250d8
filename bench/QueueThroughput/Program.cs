using AppHost.Hosting.Provisioning;
using QueueThroughput;

BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (ArgumentException error)
{
    await Console.Error.WriteLineAsync(error.Message);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var report = new Report(Console.Out);
report.Header(options, args);
try
{
    await using var db = await BenchDatabase.StartAsync(options.Verbose, options.Statements, cancel.Token);
    var organizations = await db.CreateOrganizationsAsync(options.Organizations, cancel.Token);
    await Baseline.PrepareAsync(db, cancel.Token);

    report.Phase("");
    var baseline = await Baseline.RunAsync(db, options.Consumers, options.Warmup, options.Duration, cancel.Token);
    report.Baseline(baseline);

    await using var pipeline = new Pipeline(db, organizations, options.Consumers, options.SharedTransaction);
    if (options.Statements)
    {
        await db.ResetStatementsAsync(cancel.Token);
    }

    var saturation = await pipeline.SaturateAsync(options.Producers, options.Warmup, options.Duration, cancel.Token);
    report.Result(saturation);
    if (options.Statements)
    {
        report.Statements(await db.TopStatementsAsync(15, cancel.Token));
    }

    await pipeline.DrainAsync(TimeSpan.FromSeconds(120), cancel.Token);

    var offered = await pipeline.OfferAsync(options.Rate, options.Warmup, options.Duration, cancel.Token);
    report.Result(offered);
    await pipeline.DrainAsync(TimeSpan.FromSeconds(120), cancel.Token);

    return report.Summary(baseline, saturation, offered) ? 0 : 1;
}
catch (ResourceFailedException error)
{
    report.Failure(error.Message);
    return 3;
}
catch (TimeoutException error)
{
    report.Failure(error.Message);
    return 1;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    report.Phase("cancelled");
    return 130;
}
