using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Ai;
using Platform.Data;
using Platform.Tenancy;
using TestKit;

namespace AiInference.Tests.Serving;

/// <summary>
/// The real AiInference in memory over a fresh migrated database (the service as the least-privilege
/// role) and the real ONNX Runtime. Models are stored and activated the way the Api does it.
/// </summary>
public sealed class InferenceServerFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    private InferenceServerFactory(TestDatabase database, Dictionary<string, string?> settings, Action<IServiceCollection>? services)
    {
        Database = database;
        _settings = settings;
        _services = services;
        Tokens = new ServiceTokens(new ServiceTokenOptions { SigningKey = settings["ServiceTokens:SigningKey"]! });
        Credentials = (headers, tenantId) => headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Issue(tenantId, DateTimeOffset.UtcNow));
    }

    public TestDatabase Database { get; }

    /// <summary>Issues tokens as the Api does, with the key the server was given.</summary>
    public ServiceTokens Tokens { get; }

    /// <summary>How <see cref="ClientFor"/> presents itself for an organization: a shared-key token unless a test of another mode says otherwise.</summary>
    public Action<HttpRequestHeaders, Guid?> Credentials { get; set; }

    public static async Task<InferenceServerFactory> CreateAsync(string name, IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        var db = await TestEnvironment.CreateDatabaseAsync(name);
        await SchemaUpdater.UpdateAsync(db.OwnerConnectionString);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:platformdb"] = db.AppConnectionString,
            ["OnnxRuntime:LibraryPath"] = await TestOnnxRuntime.LibraryPathAsync(),
            ["ServiceTokens:SigningKey"] = TestEnvironment.NewSecret() + TestEnvironment.NewSecret(),
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var factory = new InferenceServerFactory(db, settings, services);
        _ = factory.Server; // start now: the model loader begins listening
        return factory;
    }

    /// <summary>A client that presents service credentials acting for <paramref name="tenantId"/> (null: platform only).</summary>
    public HttpClient ClientFor(Guid? tenantId)
    {
        var client = CreateClient();
        Credentials(client.DefaultRequestHeaders, tenantId);
        return client;
    }

    public async Task<Guid> AddOrganizationAsync(string slug)
    {
        await using var connection = new NpgsqlConnection(Database.SuperuserConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("INSERT INTO organizations (slug, name) VALUES ($1, $1) RETURNING id", connection)
        {
            Parameters = { new() { Value = slug + "-" + Guid.NewGuid().ToString("N")[..8] } },
        };
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Stores the next version of an organization's model and activates it, in the organization's scope (as the Api does).</summary>
    public async Task<AiModel> PublishAsync(Guid tenantId, string name, byte[] onnx, int maxBatchSize = 64, int maxQueueDelayMicroseconds = 2000)
    {
        await using var connection = new NpgsqlConnection(Database.AppConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await TenantSession.ApplyAsync(connection, transaction, tenantId, null, CancellationToken.None);
        var stored = await AiModelStore.AddVersionAsync(connection, transaction, tenantId, null,
            new NewAiModel(name, "test", onnx, MaxBatchSize: maxBatchSize, MaxQueueDelayMicroseconds: maxQueueDelayMicroseconds));
        var (_, activated) = await AiModelStore.ActivateAsync(connection, transaction, tenantId, name, stored.Version);
        await transaction.CommitAsync();
        return activated!;
    }

    /// <summary>Stores the next version of an organization's model as a storage reference and activates it (as the Api does).</summary>
    public async Task<AiModel> PublishReferenceAsync(Guid tenantId, string name, Uri storageUri, string sha256)
    {
        await using var connection = new NpgsqlConnection(Database.AppConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await TenantSession.ApplyAsync(connection, transaction, tenantId, null, CancellationToken.None);
        var stored = await AiModelStore.AddVersionAsync(connection, transaction, tenantId, null,
            new NewAiModel(name, "test", Onnx: null) { StorageUri = storageUri.ToString(), StorageSha256 = sha256 });
        var (_, activated) = await AiModelStore.ActivateAsync(connection, transaction, tenantId, name, stored.Version);
        await transaction.CommitAsync();
        return activated!;
    }

    /// <summary>Stores and activates a platform model (every organization may use it).</summary>
    public Task<AiModel> PublishPlatformAsync(string name, byte[] onnx) =>
        new AiModelStore(NpgsqlDataSource.Create(Database.AppConnectionString)).PublishPlatformModelAsync(new NewAiModel(name, "test", onnx));

    /// <summary>Waits until the server answers metadata for <paramref name="name"/> at <paramref name="version"/>.</summary>
    public async Task WaitUntilServedAsync(Guid? tenantId, string name, int version)
    {
        using var client = ClientFor(tenantId);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync(new Uri($"/v2/models/{name}", UriKind.Relative));
            if (response.IsSuccessStatusCode && JsonNode.Parse(await response.Content.ReadAsStringAsync())!["versions"]![0]!.GetValue<string>() == version.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"model {name} version {version} was not served within 30 s");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is { } services)
        {
            builder.ConfigureServices(services);
        }
    }
}
