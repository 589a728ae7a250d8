using AppHost.Hosting;
using AppHost.Hosting.Provisioning;
using Microsoft.Playwright;
using TestKit;

// One application and one browser for the whole assembly: booting is the slow part, pages are cheap.
[assembly: DoNotParallelize]

namespace Web.Tests;

/// <summary>
/// Boots AppHost/Program.cs once (PostgreSQL, Redis, Api, Workers, AiInference, Web on free ports)
/// with emails delivered to a pickup folder the tests read, and launches Debian's headless Chromium.
/// </summary>
[TestClass]
public static class WholeApplication
{
    private static readonly string[] ResourceNames = ["postgres", "redis", "api", "workers", "aiinference", "web"];
    private static readonly StringWriter Output = new();
    private static DistributedApplication? _app;
    private static IPlaywright? _playwright;
    private static IBrowser? _browser;

    public static TimeSpan AccessTokenLifetime { get; } = TimeSpan.FromSeconds(8);

    public static Uri Web { get; private set; } = null!;

    public static Uri Api { get; private set; } = null!;

    public static Mailbox Mail { get; private set; } = null!;

    public static IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser did not start.");

    /// <summary>The platform database as the services reach it (the application role, under row-level security).</summary>
    public static string DatabaseConnectionString =>
        ((AppHost.Hosting.Resources.IResourceWithConnectionString)(_app ?? throw new InvalidOperationException("The application did not start.")).GetResource("platformdb")).ConnectionString;

    /// <summary>Where screenshots go; each is also attached to the test's results.</summary>
    public static string ScreenshotFolder { get; private set; } = null!;

    [AssemblyInitialize]
    public static async Task StartAsync(TestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await OsPrerequisites.EnsureAsync([OsPrerequisites.Chromium], message => context.WriteLine(message), context.CancellationToken);

        var mailFolder = Path.Combine(TestEnvironment.Root, "mail");
        // Children inherit the AppHost's environment: the Api and Workers deliver every email here.
        Environment.SetEnvironmentVariable("Email__PickupDirectory", mailFolder);
        // Every browser here signs in from 127.0.0.1, one address for all tests, so the per-address
        // sign-in limit (10 a minute, tested in Api.Tests) is raised for this run.
        Environment.SetEnvironmentVariable("RateLimiting__Policies__auth__Limit", "1000");
        Environment.SetEnvironmentVariable("RateLimiting__Anonymous__Limit", "1000");
        // The security dashboard's test signs in wrongly on purpose, from that same address.
        Environment.SetEnvironmentVariable("SecurityMonitoring__IpFailureThreshold", "1000");
        // Access tokens live 8 s in this run, so every test's pages go through the front end's
        // transparent refresh (due in the last quarter of a token's life), not only the test about it.
        Environment.SetEnvironmentVariable("Identity__AccessTokenLifetime", AccessTokenLifetime.ToString());
        // Webhook tests point endpoints at receivers on 127.0.0.1, which the SSRF policy refuses unless an operator allows it.
        Environment.SetEnvironmentVariable("Webhooks__AllowedTargets__0", "127.0.0.1");
        Mail = new Mailbox(mailFolder);
        ScreenshotFolder = Path.Combine(context.TestRunResultsDirectory ?? TestEnvironment.Root, "screenshots");
        Directory.CreateDirectory(ScreenshotFolder);

        var ports = ResourceNames.ToDictionary(name => name, _ => PortGuard.GetFreePort());
        string[] args = [.. ports.Select(p => $"--Ports:{p.Key}={p.Value}"), $"--AppHost:DataDirectory={Path.Combine(TestEnvironment.Root, "apphost")}"];
        Web = new Uri($"http://127.0.0.1:{ports["web"]}");
        Api = new Uri($"http://127.0.0.1:{ports["api"]}");
        _app = await DistributedApplicationTestingBuilder.BuildAsync(typeof(Projects.Api).Assembly, args, context.CancellationToken);
        _app.Log = new ConsoleLog(TextWriter.Synchronized(Output), useColor: false);
        await _app.StartAsync(context.CancellationToken);

        // The suite's other assemblies run beside this one on two cores: pages get time to answer.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            // Root in a container: no user namespaces for the sandbox, and a small /dev/shm.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    [AssemblyCleanup]
    public static async Task StopAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
        }

        await TestEnvironment.DisposeAsync();
    }

    /// <summary>A fresh browser context (its own cookies) with a page open at the front end.</summary>
    public static async Task<IPage> NewPageAsync(string locale = "en-US")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Web.ToString(), Locale = locale, ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Saves a full-page screenshot as a test artifact.</summary>
    public static async Task ScreenshotAsync(IPage page, TestContext context, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(context);
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        context.AddResultFile(path);
    }
}
