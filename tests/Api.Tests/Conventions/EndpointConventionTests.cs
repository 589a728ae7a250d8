using System.Net;
using System.Text.Json;
using Platform.Access;

namespace Api.Tests.Conventions;

/// <summary>Rules every endpoint must follow; a new endpoint that breaks one fails here.</summary>
[TestClass]
public sealed class EndpointConventionTests
{
    private static ApiFactory _api = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _api = await ApiFactory.CreateAsync("conventions");

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public void Every_endpoint_declares_a_catalogued_permission_or_is_explicitly_self_service_or_anonymous()
    {
        var routes = RouteTable.Of(_api);

        Assert.IsGreaterThan(30, routes.Count, "the route table was read");
        var undeclared = routes.Where(r => r.Permission is null && !r.SelfService && !r.Anonymous).Select(r => $"{r.Method} {r.Pattern}").ToList();
        Assert.IsEmpty(undeclared, "endpoints without a declared permission:\n" + string.Join('\n', undeclared));
        var unknown = routes.Where(r => r.Permission is not null && !PermissionCatalogue.Contains(r.Permission)).ToList();
        Assert.IsEmpty(unknown);
        var anonymous = routes.Where(r => r.Anonymous).Select(r => r.Pattern).Distinct().ToList();
        // Besides sign-in, only inbound webhooks: they authenticate with their own secret token, checked in the handler.
        Assert.IsTrue(anonymous.All(p => p.StartsWith("/api/v1/auth/", StringComparison.Ordinal) || p.StartsWith("/api/v1/workflows/hooks/", StringComparison.Ordinal)),
            "only sign-in endpoints and inbound webhooks are anonymous: " + string.Join(", ", anonymous));
    }

    [TestMethod]
    public async Task The_openapi_document_lists_every_endpoint_with_its_permission_and_security_schemes()
    {
        using var client = _api.CreateClient();
        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths");

        foreach (var route in RouteTable.Of(_api))
        {
            var path = System.Text.RegularExpressions.Regex.Replace(route.Pattern, @"\{([^:}]+)(:[^}]+)?\}", "{$1}").TrimEnd('/');
            Assert.IsTrue(paths.TryGetProperty(path, out var item) || paths.TryGetProperty(path + "/", out item), $"{path} is in the document");
            Assert.IsTrue(item.TryGetProperty(route.Method.ToLowerInvariant(), out var operation), $"{route.Method} {path} is in the document");
            if (route.Permission is not null)
            {
                Assert.AreEqual(route.Permission, operation.GetProperty("x-permission").GetString(), $"{route.Method} {path}");
                Assert.IsTrue(operation.GetProperty("responses").TryGetProperty("403", out _), $"{route.Method} {path} documents 403");
            }
        }

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.AreEqual("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.AreEqual("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
    }

    [TestMethod]
    public async Task Health_and_the_document_need_no_credentials_but_everything_else_does()
    {
        using var client = _api.CreateClient();

        Assert.AreEqual(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
        foreach (var route in RouteTable.Of(_api).Where(r => !r.Anonymous))
        {
            var path = System.Text.RegularExpressions.Regex.Replace(route.Pattern, @"\{[^}]+\}", Guid.NewGuid().ToString());
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
            if (route.Method is "POST" or "PUT" or "PATCH")
            {
                request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            }

            var response = await client.SendAsync(request);
            Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode, $"{route.Method} {route.Pattern}");
        }
    }
}
