using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AppHost.Hosting;
using TestKit;

namespace AppHost.Tests;

/// <summary>
/// The manifest azd deploys from: produced exactly as azd asks for it
/// (<c>dotnet run --project AppHost -- --publisher manifest --output-path file</c>).
/// </summary>
[TestClass]
public sealed partial class ManifestTests
{
    private static readonly string[] AzdResourceTypes =
    [
        "project.v0", "project.v1", "container.v0", "container.v1", "dockerfile.v0", "dapr.v0", "dapr.component.v0",
        "parameter.v0", "value.v0", "annotated.string", "azure.bicep.v0", "azure.bicep.v1",
    ];

    private static string? _manifestPath;
    private static JsonObject _resources = null!;

    [ClassInitialize]
    public static async Task PublishManifest(TestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var folder = Path.Combine(TestEnvironment.Root, "manifest");
        Directory.CreateDirectory(folder);
        _manifestPath = Path.Combine(folder, "aspire-manifest.json");

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { typeof(DistributedApplication).Assembly.Location, "--publisher", "manifest", "--output-path", _manifestPath })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(60))) != exited)
        {
            process.Kill();
            Assert.Fail("publishing the manifest must exit promptly (azd waits for it)");
        }

        Assert.AreEqual(0, process.ExitCode, await output + await errors);
        _resources = JsonNode.Parse(await File.ReadAllTextAsync(_manifestPath))!["resources"]!.AsObject();
    }

    [TestMethod]
    public async Task The_manifest_validates_against_the_aspire_schema()
    {
        var errors = await JsonSchemaValidator.ValidateAsync(SchemaPath, _manifestPath!);

        Assert.IsEmpty(errors, string.Join('\n', errors));
    }

    [TestMethod]
    public async Task The_schema_check_rejects_a_broken_manifest()
    {
        // Guards the test above: a project without its path must fail validation.
        var broken = Path.Combine(Path.GetDirectoryName(_manifestPath)!, "broken-manifest.json");
        await File.WriteAllTextAsync(broken, """{ "resources": { "api": { "type": "project.v0", "env": {} } } }""");

        var errors = await JsonSchemaValidator.ValidateAsync(SchemaPath, broken);

        Assert.IsNotEmpty(errors);
    }

    [TestMethod]
    public void Every_resource_of_the_graph_is_there_with_a_type_azd_deploys()
    {
        CollectionAssert.IsSubsetOf(
            new[] { "postgres", "platformdb", "redis", "api", "workers", "aiinference", "web", "postgres-password", "redis-password" },
            _resources.Select(r => r.Key).ToArray());
        foreach (var (name, resource) in _resources)
        {
            CollectionAssert.Contains(AzdResourceTypes, (string)resource!["type"]!, $"{name} has a type azd accepts");
        }
    }

    [TestMethod]
    public void References_become_connection_strings_and_service_urls()
    {
        foreach (var service in new[] { "api", "workers" })
        {
            var env = _resources[service]!["env"]!.AsObject();
            Assert.AreEqual("{platformdb.connectionString}", (string?)env["ConnectionStrings__platformdb"], service);
            Assert.AreEqual("{redis.connectionString}", (string?)env["ConnectionStrings__redis"], service);
            Assert.AreEqual($"{{{service}.bindings.http.targetPort}}", (string?)env["HTTP_PORTS"], service);
        }

        Assert.AreEqual("{api.bindings.http.url}", (string?)_resources["web"]!["env"]!["services__api__http__0"]);
        Assert.AreEqual("{postgres.connectionString};Database=platformdb", (string?)_resources["platformdb"]!["connectionString"]);
        Assert.AreEqual("true", (string?)_resources["workers"]!["env"]!["Migrations__ApplyOnStart"]);
    }

    [TestMethod]
    public void In_azure_the_api_calls_aiinference_as_its_managed_identity_with_values_the_operator_gives_azd()
    {
        var api = _resources["api"]!["env"]!.AsObject();
        var aiInference = _resources["aiinference"]!["env"]!.AsObject();

        foreach (var env in new[] { api, aiInference })
        {
            Assert.AreEqual("ManagedIdentity", (string?)env["ServiceTokens__Mode"]);
            Assert.AreEqual("{aiinference-audience.value}", (string?)env["ServiceTokens__EntraAudience"]);
            Assert.IsFalse(env.ContainsKey("ServiceTokens__SigningKey"), "no shared key in Azure");
        }

        Assert.AreEqual("{entra-tenant-id.value}", (string?)aiInference["ServiceTokens__EntraTenantId"]);
        Assert.AreEqual("{aiinference-allowed-caller.value}", (string?)aiInference["ServiceTokens__AllowedCallers__0"]);
        foreach (var parameter in new[] { "aiinference-audience", "entra-tenant-id", "aiinference-allowed-caller" })
        {
            var resource = _resources[parameter]!;
            Assert.AreEqual("parameter.v0", (string?)resource["type"], parameter);
            Assert.AreEqual($"{{{parameter}.inputs.value}}", (string?)resource["value"], parameter);
            Assert.IsNull(resource["inputs"]!["value"]!["secret"], $"{parameter} is not a secret");
        }
    }

    [TestMethod]
    public void Only_the_web_front_end_is_external()
    {
        Assert.IsTrue((bool?)_resources["web"]!["bindings"]!["http"]!["external"] == true);
        foreach (var service in new[] { "api", "workers", "aiinference" })
        {
            Assert.IsNull(_resources[service]!["bindings"]!["http"]!["external"], $"{service} stays internal");
        }
    }

    [TestMethod]
    public void Every_expression_points_at_a_resource_in_the_manifest_and_every_path_exists()
    {
        var text = File.ReadAllText(_manifestPath!);
        foreach (Match match in Expression().Matches(text))
        {
            Assert.IsTrue(_resources.ContainsKey(match.Groups[1].Value), $"{match.Value} refers to a resource in the manifest");
        }

        foreach (var (name, resource) in _resources.Where(r => r.Value!["path"] is not null))
        {
            var path = (string)resource!["path"]!;
            Assert.IsFalse(Path.IsPathRooted(path), $"{name}: paths are relative to the manifest, as azd expects");
            Assert.IsTrue(File.Exists(Path.Combine(Path.GetDirectoryName(_manifestPath)!, path)), $"{name}: {path} exists");
        }
    }

    private static string SchemaPath
    {
        get
        {
            // shared/ sits beside the repository on every developer machine and in CI; elsewhere
            // (a hosted runner) ASPIRE_MANIFEST_SCHEMA points at a copy of the published schema.
            var path = Environment.GetEnvironmentVariable("ASPIRE_MANIFEST_SCHEMA") ?? Path.GetFullPath(Path.Combine(DistributedApplicationBuilder.AppHostDirectory, "..", "..", "shared", "reference", "aspire-manifest.schema.json"));
            Assert.IsTrue(File.Exists(path), $"the Aspire manifest schema is expected at {path}");
            return path;
        }
    }

    [GeneratedRegex(@"\{([a-z][a-z0-9-]*)\.(?:connectionString|bindings|value|inputs|outputs|secretOutputs)")]
    private static partial Regex Expression();
}
