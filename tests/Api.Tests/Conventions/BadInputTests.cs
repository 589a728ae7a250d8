using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace Api.Tests.Conventions;

/// <summary>
/// Bad input across every endpoint that takes a body: malformed JSON, wrong types, unknown
/// fields, huge bodies, over-long strings and injection strings get a 4xx problem document,
/// never a 500, and store nothing.
/// </summary>
[TestClass]
public sealed partial class BadInputTests
{
    private static readonly string[] Bodies =
    [
        "{\"name\":",
        "[1,2,3]",
        "{\"name\": 123, \"permissions\": \"users.read\", \"email\": false, \"minSeverity\": 7, \"expiresAt\": \"yesterday\"}",
        "{\"surprise\": true}",
        "{\"name\": \"" + new string('x', 20_000) + "\", \"email\": \"" + new string('y', 5_000) + "@x.test\", \"organizationSlug\": \"" + new string('z', 300) + "\", \"cidr\": \"" + new string('1', 500) + "\"}",
        "{\"name\": \"'; DROP TABLE users; --\", \"email\": \"<script>alert(1)</script>\", \"organizationSlug\": \"../../etc/passwd\", \"cidr\": \"1.2.3.4/99\", \"refreshToken\": \"' OR '1'='1\"}",
        "null",
    ];

    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("bad_input");
        _owner = await _api.RegisterAndSignInAsync("bad-input", "owner@bad.test");
    }

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task Every_body_taking_endpoint_refuses_bad_input_with_a_problem_and_stores_nothing()
    {
        var failures = new List<string>();
        var before = await StoredRowsAsync();
        var routes = RouteTable.Of(_api).Where(r => r.AcceptsBody).ToList();

        foreach (var route in routes)
        {
            var path = Parameter().Replace(route.Pattern, _ => Guid.NewGuid().ToString());
            foreach (var body in Bodies.Append(null))
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), path)
                {
                    Content = new StringContent(body ?? new string(' ', 2 * 1024 * 1024) + "{}", Encoding.UTF8, "application/json"),
                };
                var response = await _owner.Client.SendAsync(request);
                var label = $"{route.Method} {route.Pattern} with {(body is null ? "a 2 MiB body" : body[..Math.Min(body.Length, 40)])}";
                if ((int)response.StatusCode >= 500 || response.IsSuccessStatusCode)
                {
                    failures.Add($"{label}: {(int)response.StatusCode}");
                }
                else if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    failures.Add($"{label}: {(int)response.StatusCode} without a problem document");
                }
            }
        }

        Assert.IsGreaterThan(10, routes.Count);
        Assert.IsEmpty(failures, string.Join('\n', failures));
        Assert.AreEqual(before, await StoredRowsAsync(), "nothing was stored");
        Assert.AreEqual(HttpStatusCode.OK, (await _owner.Client.GetAsync("/api/v1/account")).StatusCode, "the owner stayed signed in, so every call above was judged on its input");
    }

    private static async Task<string> StoredRowsAsync()
    {
        await using var connection = new NpgsqlConnection(_api.Database.SuperuserConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM organizations) || '/' || (SELECT count(*) FROM users) || '/' || (SELECT count(*) FROM roles) || '/' ||
                   (SELECT count(*) FROM api_keys) || '/' || (SELECT count(*) FROM ip_rules) || '/' || (SELECT count(*) FROM member_roles) || '/' ||
                   (SELECT count(*) FROM email_template_overrides)
            """, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();
}
