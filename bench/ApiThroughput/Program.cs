using ApiThroughput;
using AppHost.Hosting.Provisioning;

// The bare baseline runs as this same program in its own process.
if (args is [BareEndpoint.Argument, ..])
{
    return await BareEndpoint.ServeAsync(args);
}

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
    await using var servers = await ServersUnderTest.StartAsync(options, report.Phase, cancel.Token);
    var comparison = await ThroughputComparison.RunAsync(servers, options, report, cancel.Token);
    report.Summary(comparison);
    return comparison.MeetsTargets ? 0 : 1;
}
catch (ResourceFailedException error)
{
    report.Failure(error.Message, error.RecentOutput);
    return 3;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    report.Phase("cancelled");
    return 130;
}
