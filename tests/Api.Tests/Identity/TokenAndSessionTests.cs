using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Identity.Mfa;

namespace Api.Tests.Identity;

[TestClass]
public sealed class TokenAndSessionTests
{
    private static ApiFactory _api = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context) => _api = await ApiFactory.CreateAsync("tokens");

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task A_refresh_token_is_rotated_on_every_use()
    {
        var owner = await _api.RegisterAndSignInAsync("rotate", "o@rotate.test");
        using var client = _api.CreateClient();

        var first = await RefreshAsync(client, owner.Tokens.RefreshToken);
        var second = await RefreshAsync(client, first.GetProperty("refreshToken").GetString()!);

        Assert.AreNotEqual(owner.Tokens.RefreshToken, first.GetProperty("refreshToken").GetString());
        Assert.AreNotEqual(first.GetProperty("refreshToken").GetString(), second.GetProperty("refreshToken").GetString());
        using var authorized = _api.Authorized(second.GetProperty("accessToken").GetString()!);
        Assert.AreEqual(HttpStatusCode.OK, (await authorized.GetAsync("/api/v1/account")).StatusCode);
    }

    [TestMethod]
    public async Task Reusing_a_rotated_refresh_token_revokes_the_whole_session()
    {
        var owner = await _api.RegisterAndSignInAsync("reuse", "o@reuse.test");
        using var client = _api.CreateClient();
        var rotated = await RefreshAsync(client, owner.Tokens.RefreshToken);

        var replay = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = owner.Tokens.RefreshToken });

        Assert.AreEqual(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.AreEqual("refresh_token_reused", (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var legitimateNext = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = rotated.GetProperty("refreshToken").GetString() });
        Assert.AreEqual(HttpStatusCode.Unauthorized, legitimateNext.StatusCode, "the newest token of the family is revoked too");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await owner.Client.GetAsync("/api/v1/account")).StatusCode, "access tokens of the session stop working at once");
    }

    [TestMethod]
    public async Task A_malformed_refresh_token_is_refused_without_a_server_error()
    {
        using var client = _api.CreateClient();

        foreach (var token in new[] { "", "rt.x.y", "rt." + new string('A', 43) + "." + new string('B', 43), "rt." + new string('-', 43) + "." + new string('_', 43), "'; DROP TABLE sessions; --", new string('x', 5000) })
        {
            var response = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = token });
            Assert.AreEqual(HttpStatusCode.Unauthorized, response.StatusCode, token.Length > 40 ? token[..40] : token);
        }
    }

    [TestMethod]
    public async Task Signing_out_ends_the_session_and_its_access_token()
    {
        var owner = await _api.RegisterAndSignInAsync("logout", "o@logout.test");

        var logout = await owner.Client.PostAsync("/api/v1/account/logout", null);

        Assert.AreEqual(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await owner.Client.GetAsync("/api/v1/account")).StatusCode);
        using var client = _api.CreateClient();
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = owner.Tokens.RefreshToken })).StatusCode);
    }

    [TestMethod]
    public async Task A_user_lists_their_sessions_and_revokes_another_device()
    {
        var owner = await _api.RegisterAndSignInAsync("devices", "o@devices.test");
        var secondDevice = await _api.LoginAsync(owner.Email, owner.Password);
        using var second = _api.Authorized(secondDevice.AccessToken);

        var sessions = await owner.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/account/sessions");
        Assert.HasCount(2, sessions!);
        var other = sessions!.Single(s => !s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();

        Assert.AreEqual(HttpStatusCode.NoContent, (await owner.Client.DeleteAsync($"/api/v1/account/sessions/{other}")).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await second.GetAsync("/api/v1/account")).StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await owner.Client.GetAsync("/api/v1/account")).StatusCode);
    }

    [TestMethod]
    public async Task The_account_locks_after_repeated_failures_and_the_user_is_told()
    {
        var owner = await _api.RegisterAndSignInAsync("lockout", "o@lockout.test");
        using var client = _api.CreateClient();

        HttpResponseMessage? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            last = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = owner.Email, password = "wrong password " + attempt });
        }

        Assert.AreEqual((HttpStatusCode)423, last!.StatusCode);
        var correct = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = owner.Email, password = owner.Password });
        Assert.AreEqual((HttpStatusCode)423, correct.StatusCode, "even the right password waits for the lockout to end");
        StringAssert.Contains(_api.LastEmailTo(owner.Email), "Your account was locked");
    }

    [TestMethod]
    public async Task A_password_reset_code_works_once()
    {
        var owner = await _api.RegisterAndSignInAsync("reset", "o@reset.test");
        using var client = _api.CreateClient();
        Assert.AreEqual(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/auth/forgot-password", new { email = owner.Email })).StatusCode);
        var code = ResetCode(_api.LastEmailTo(owner.Email));

        var first = await client.PostAsJsonAsync("/api/v1/auth/reset-password", new { email = owner.Email, code, newPassword = "a brand new passphrase" });
        var second = await client.PostAsJsonAsync("/api/v1/auth/reset-password", new { email = owner.Email, code, newPassword = "yet another passphrase" });

        Assert.AreEqual(HttpStatusCode.NoContent, first.StatusCode);
        Assert.AreEqual(HttpStatusCode.BadRequest, second.StatusCode);
        await _api.LoginAsync(owner.Email, "a brand new passphrase");
    }

    [TestMethod]
    public async Task Asking_for_a_reset_of_an_unknown_email_looks_the_same()
    {
        using var client = _api.CreateClient();

        var response = await client.PostAsJsonAsync("/api/v1/auth/forgot-password", new { email = "nobody@nowhere.test" });

        Assert.AreEqual(HttpStatusCode.Accepted, response.StatusCode);
    }

    [TestMethod]
    public async Task With_mfa_on_sign_in_needs_a_current_code_once_and_a_recovery_code_works_once()
    {
        var owner = await _api.RegisterAndSignInAsync("mfa", "o@mfa.test");
        var setup = await (await owner.Client.PostAsync("/api/v1/account/mfa/setup", null)).Content.ReadFromJsonAsync<JsonElement>();
        var key = Base32.Decode(setup.GetProperty("sharedKey").GetString()!);
        var totp = new Totp(TimeProvider.System);
        var enable = await owner.Client.PostAsJsonAsync("/api/v1/account/mfa/enable", new { code = totp.Generate(key) });
        Assert.AreEqual(HttpStatusCode.OK, enable.StatusCode, await enable.Content.ReadAsStringAsync());
        var recovery = (await enable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("recoveryCodes")[0].GetString()!;
        using var client = _api.CreateClient();

        var withoutCode = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = owner.Email, password = owner.Password });
        Assert.AreEqual(HttpStatusCode.Unauthorized, withoutCode.StatusCode);
        Assert.AreEqual("second_factor_required", (await withoutCode.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        // The code that enabled MFA was accepted for its time step: it cannot be replayed.
        var replayed = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = owner.Email, password = owner.Password, totpCode = totp.Generate(key) });
        Assert.AreEqual(HttpStatusCode.Unauthorized, replayed.StatusCode);

        var withRecovery = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = owner.Email, password = owner.Password, recoveryCode = recovery });
        Assert.AreEqual(HttpStatusCode.OK, withRecovery.StatusCode);
        var signedIn = await withRecovery.Content.ReadFromJsonAsync<JsonElement>();
        CollectionAssert.Contains(Methods(signedIn.GetProperty("accessToken").GetString()!), "mfa");
        var refreshed = await RefreshAsync(client, signedIn.GetProperty("refreshToken").GetString()!);
        CollectionAssert.Contains(Methods(refreshed.GetProperty("accessToken").GetString()!), "mfa", "a refreshed token still says the session used a second factor");
        var recoveryAgain = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = owner.Email, password = owner.Password, recoveryCode = recovery });
        Assert.AreEqual(HttpStatusCode.Unauthorized, recoveryAgain.StatusCode);
    }

    /// <summary>The authentication methods (<c>amr</c>) an access token states, read from its payload.</summary>
    private static List<string> Methods(string accessToken)
    {
        var payload = accessToken.Split('.')[1].Replace('-', '+').Replace('_', '/');
        var json = JsonDocument.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '='))).RootElement;
        var amr = json.GetProperty("amr");
        return amr.ValueKind == JsonValueKind.Array ? [.. amr.EnumerateArray().Select(m => m.GetString()!)] : [amr.GetString()!];
    }

    private static async Task<JsonElement> RefreshAsync(HttpClient client, string refreshToken)
    {
        var response = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken });
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string ResetCode(string email)
    {
        var lines = email.Split('\n').Select(l => l.Trim()).ToList();
        var index = lines.FindIndex(l => l.StartsWith("Someone asked", StringComparison.Ordinal));
        return lines.Skip(index + 1).First(l => l.Length > 20);
    }
}
