using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace ApiThroughput;

/// <summary>
/// The baseline: a Kestrel app with one GET that returns fixed JSON bytes (captured from the Api's
/// answer) with no authentication, tenant, permission, cache or database. Run by the benchmark as
/// its own child process (<c>--serve-bare PORT FILE</c>), started and configured like the Api, so
/// both servers are separate processes competing for the same cores as the load generator.
/// </summary>
internal static class BareEndpoint
{
    public const string Argument = "--serve-bare";
    public const string Path = "/bare";

    public static async Task<int> ServeAsync(IReadOnlyList<string> args)
    {
        if (args.Count != 3 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            await Console.Error.WriteLineAsync($"usage: {Argument} PORT BODY_FILE");
            return 2;
        }

        var body = await File.ReadAllBytesAsync(args[2]);
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet(Path, () => TypedResults.Bytes(body, "application/json; charset=utf-8"));
        app.MapGet("/health", () => TypedResults.Ok());
        await app.RunAsync();
        return 0;
    }
}
