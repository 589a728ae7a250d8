using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Platform.Access;

namespace ApiThroughput;

/// <summary>
/// The organization whose members the benchmark lists: registered through the Api like a real sign-up
/// (register, confirm the emailed code, sign in), plus members added in SQL, since invitations would
/// need their own round of emails and nothing about them is being measured.
/// </summary>
internal static partial class ListedOrganization
{
    private const string Password = "correct horse battery staple";

    /// <summary>Creates the organization and returns the owner's access token.</summary>
    public static async Task<string> CreateAsync(ServersUnderTest servers, int extraMembers, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = servers.ApiUrl };
        const string Email = "owner@bench.example";
        var registered = await client.PostAsJsonAsync("/api/v1/auth/register",
            new { organizationName = "Bench Org", organizationSlug = "bench-org", email = Email, password = Password, displayName = "Bench Owner" }, cancellationToken);
        var organization = await ReadAsync<Registered>(registered, HttpStatusCode.Created, "register", cancellationToken);

        var code = CodeIn(LastEmailTo(servers.MailFolder, Email));
        var confirmed = await client.PostAsJsonAsync("/api/v1/auth/confirm-email", new { userId = organization.UserId, code }, cancellationToken);
        await EnsureAsync(confirmed, HttpStatusCode.NoContent, "confirm email", cancellationToken);

        await AddViewersAsync(servers.SuperuserConnectionString, organization.OrganizationId, extraMembers, cancellationToken);

        var login = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = Email, password = Password }, cancellationToken);
        return (await ReadAsync<Tokens>(login, HttpStatusCode.OK, "login", cancellationToken)).AccessToken;
    }

    /// <summary>Accounts that joined one second apart, each a member with the viewer role.</summary>
    private static async Task AddViewersAsync(string superuserConnectionString, Guid organizationId, int count, CancellationToken cancellationToken)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray();
        var emails = Enumerable.Range(1, count).Select(n => $"member{n:00}@bench.example").ToArray();
        await using var connection = new NpgsqlConnection(superuserConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new("""
                    INSERT INTO users (id, user_name, normalized_user_name, email, normalized_email, email_confirmed, security_stamp, display_name)
                    SELECT id, email, upper(email), email, upper(email), true, md5(id::text), 'Member ' || split_part(email, '@', 1)
                    FROM unnest($1::uuid[], $2::text[]) AS m(id, email)
                    """) { Parameters = { new() { Value = ids }, new() { Value = emails } } },
                new("""
                    INSERT INTO organization_members (tenant_id, user_id, joined_at)
                    SELECT $1, id, now() + make_interval(secs => n) FROM unnest($2::uuid[]) WITH ORDINALITY AS m(id, n)
                    """) { Parameters = { new() { Value = organizationId }, new() { Value = ids } } },
                new("INSERT INTO member_roles (tenant_id, user_id, role_id) SELECT $1, id, $3 FROM unnest($2::uuid[]) AS m(id)")
                {
                    Parameters = { new() { Value = organizationId }, new() { Value = ids }, new() { Value = SystemRoles.Viewer.Id } },
                },
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string LastEmailTo(string folder, string to) =>
        (Directory.Exists(folder) ? Directory.GetFiles(folder, "*.eml") : [])
            .Select(file => (File: file, Text: File.ReadAllText(file)))
            .Where(mail => mail.Text.Contains($"To: {to}", StringComparison.OrdinalIgnoreCase))
            .OrderBy(mail => File.GetLastWriteTimeUtc(mail.File))
            .Select(mail => mail.Text)
            .LastOrDefault() ?? throw new InvalidOperationException($"The Api wrote no email to {to} in {folder}.");

    private static string CodeIn(string email) => CodeLine().Match(email) is { Success: true } match
        ? match.Groups[1].Value.Trim()
        : throw new InvalidOperationException("The confirmation email holds no 'code: ' line.");

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected, string step, CancellationToken cancellationToken)
    {
        await EnsureAsync(response, expected, step, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<T>(cancellationToken))!;
    }

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, string step, CancellationToken cancellationToken)
    {
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{step}: expected {(int)expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    [GeneratedRegex(@"code: (\S+)")]
    private static partial Regex CodeLine();

    private sealed record Registered(Guid OrganizationId, string OrganizationSlug, Guid UserId);

    private sealed record Tokens(string AccessToken);
}
