using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Data;
using TestKit;

namespace Api.Tests;

/// <summary>
/// The real Api in memory over a fresh database provisioned like production (migrations as the
/// owner, the Api as the least-privilege role) and the shared test Redis. Emails land in a
/// folder the tests read.
/// </summary>
public sealed partial class ApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    private ApiFactory(Dictionary<string, string?> settings, string mailFolder, TestDatabase database, Action<IServiceCollection>? services)
    {
        _settings = settings;
        _services = services;
        MailFolder = mailFolder;
        Database = database;
        // Both ends get every ServiceTokens setting: each reads the ones of its side.
        Inference = new InferenceServer(database.AppConnectionString,
            settings.Where(s => s.Key.StartsWith("ServiceTokens:", StringComparison.Ordinal)).ToDictionary());
    }

    /// <summary>AiInference in memory, which the Api's inference endpoint calls (started on first use).</summary>
    public InferenceServer Inference { get; }

    public string MailFolder { get; }

    /// <summary>The test database (its superuser connection string is for arranging data only).</summary>
    public TestDatabase Database { get; }

    /// <summary>A new Api over a new database; <paramref name="services"/> replaces registrations (after the test defaults).</summary>
    public static async Task<ApiFactory> CreateAsync(string name, IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        var db = await TestEnvironment.CreateDatabaseAsync(name);
        await SchemaUpdater.UpdateAsync(db.OwnerConnectionString);
        var redis = await TestEnvironment.RedisAsync();
        var mail = Path.Combine(TestEnvironment.Root, "mail", name + Guid.NewGuid().ToString("N")[..8]);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:platformdb"] = db.AppConnectionString,
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["Email:PickupDirectory"] = mail,
            // Functional tests send many requests from one address: generous budgets, isolated keys.
            // RateLimitingTests sets small ones on purpose.
            ["RateLimiting:KeyPrefix"] = "ratelimit-" + name + Guid.NewGuid().ToString("N")[..8],
            ["RateLimiting:RedisTimeout"] = "00:00:05",
            ["RateLimiting:Policies:auth:Limit"] = "100000",
            ["RateLimiting:Anonymous:Limit"] = "100000",
            ["RateLimiting:Plans:free:Limit"] = "100000",
            // The Api and the in-memory AiInference share a service-token key; the URL only satisfies discovery.
            ["ServiceTokens:SigningKey"] = TestEnvironment.NewSecret() + TestEnvironment.NewSecret(),
            ["services:aiinference:http:0"] = "http://localhost",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new ApiFactory(settings, mail, db, services);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.AddHttpClient<global::Api.Extensions.InferenceClient>()
            .ConfigurePrimaryHttpMessageHandler(() => Inference.Handler));
        if (_services is { } services)
        {
            builder.ConfigureServices(services);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Inference.DisposeAsync();
    }

    /// <summary>The text of the newest email sent to <paramref name="to"/>.</summary>
    public string LastEmailTo(string to)
    {
        var file = Directory.Exists(MailFolder)
            ? Directory.GetFiles(MailFolder, "*.eml").Select(f => (File: f, Text: File.ReadAllText(f)))
                .Where(m => m.Text.Contains($"To: {to}", StringComparison.OrdinalIgnoreCase))
                .OrderBy(m => File.GetLastWriteTimeUtc(m.File)).LastOrDefault()
            : default;
        Assert.IsNotNull(file.Text, $"no email to {to} in {MailFolder}");
        return file.Text;
    }

    /// <summary>Registers an organization, confirms the owner's email, and returns a client signed in as the owner.</summary>
    public async Task<SignedIn> RegisterAndSignInAsync(string slug, string email, string password = "correct horse battery staple")
    {
        using var anonymous = CreateClient();
        var registered = await anonymous.PostAsJsonAsync("/api/v1/auth/register", new { organizationName = slug, organizationSlug = slug, email, password, displayName = "Owner " + slug });
        Assert.AreEqual(System.Net.HttpStatusCode.Created, registered.StatusCode, await registered.Content.ReadAsStringAsync());
        var body = await registered.Content.ReadFromJsonAsync<Registered>();
        var code = CodeIn(LastEmailTo(email));
        var confirmed = await anonymous.PostAsJsonAsync("/api/v1/auth/confirm-email", new { userId = body!.UserId, code });
        Assert.AreEqual(System.Net.HttpStatusCode.NoContent, confirmed.StatusCode, await confirmed.Content.ReadAsStringAsync());
        var tokens = await LoginAsync(email, password);
        return new SignedIn(body.OrganizationId, body.UserId, email, password, tokens, Authorized(tokens.AccessToken));
    }

    public async Task<Tokens> LoginAsync(string email, string password, string? organization = null, string? totpCode = null)
    {
        using var anonymous = CreateClient();
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email, password, organization, totpCode });
        Assert.AreEqual(System.Net.HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Tokens>())!;
    }

    public HttpClient Authorized(string accessToken)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>The value after "code: " in an email body.</summary>
    public static string CodeIn(string email) => CodeLine().Match(email).Groups[1].Value.Trim();

    [GeneratedRegex(@"code: (\S+)")]
    private static partial Regex CodeLine();

    public sealed record Registered(Guid OrganizationId, string OrganizationSlug, Guid UserId);

    public sealed record Tokens(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt, string TokenType, bool MfaSetupRequired);

    public sealed record SignedIn(Guid OrganizationId, Guid UserId, string Email, string Password, Tokens Tokens, HttpClient Client);
}
