using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Access;

namespace Api.Tests.Email;

/// <summary>
/// The organization's emails through the Api: templates and their variables, the organization's versions (validated,
/// used by real emails, removable), previews, the send log, localized account emails, and who may do what.
/// </summary>
[TestClass]
public sealed class EmailApiTests
{
    private static ApiFactory _api = null!;
    private static ApiFactory.SignedIn _owner = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _api = await ApiFactory.CreateAsync("email_api");
        _owner = await _api.RegisterAndSignInAsync("mailing", "owner@mailing.test");
    }

    [ClassCleanup]
    public static async Task Stop() => await _api.DisposeAsync();

    [TestMethod]
    public async Task The_templates_are_listed_with_their_variables_and_cultures()
    {
        var templates = await _owner.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/email/templates");

        Assert.IsGreaterThanOrEqualTo(25, templates!.Length);
        var reset = templates.Single(t => t.GetProperty("key").GetString() == "password_reset");
        CollectionAssert.AreEquivalent(new[] { "userName", "code" }, reset.GetProperty("variables").EnumerateArray().Select(v => v.GetString()).ToArray());
        CollectionAssert.AreEquivalent(new[] { "en", "ar", "fr" }, reset.GetProperty("cultures").EnumerateArray().Select(v => v.GetString()).ToArray());
    }

    [TestMethod]
    public async Task An_organizations_version_is_used_by_its_emails_until_it_is_removed()
    {
        var platform = await _owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/email/templates/invitation/en");
        Assert.AreEqual("platform", platform.GetProperty("source").GetProperty("subject").GetString());

        var saved = await _owner.Client.PutAsJsonAsync("/api/v1/email/templates/invitation/en", new { subject = "Join {{brand.name}} as {{roleName}}, please" });
        Assert.AreEqual(HttpStatusCode.OK, saved.StatusCode, await saved.Content.ReadAsStringAsync());
        var effective = await saved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual("organization", effective.GetProperty("source").GetProperty("subject").GetString());
        Assert.AreEqual("platform", effective.GetProperty("source").GetProperty("html").GetString());

        await InviteAsync("custom@invitee.test");
        StringAssert.Contains(_api.LastEmailTo("custom@invitee.test"), "Subject: Join mailing as viewer, please");
        var listed = await _owner.Client.GetFromJsonAsync<JsonElement[]>("/api/v1/email/templates");
        CollectionAssert.AreEqual(new[] { "en" }, listed!.Single(t => t.GetProperty("key").GetString() == "invitation").GetProperty("customizedCultures").EnumerateArray().Select(c => c.GetString()).ToArray());

        Assert.AreEqual(HttpStatusCode.NoContent, (await _owner.Client.DeleteAsync("/api/v1/email/templates/invitation/en")).StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, (await _owner.Client.DeleteAsync("/api/v1/email/templates/invitation/en")).StatusCode);
        await InviteAsync("default@invitee.test");
        StringAssert.Contains(_api.LastEmailTo("default@invitee.test"), "Subject: You are invited to mailing");
    }

    [TestMethod]
    public async Task An_invalid_version_is_refused_with_a_problem_naming_the_part_and_the_cause()
    {
        var unknown = await _owner.Client.PutAsJsonAsync("/api/v1/email/templates/password_reset/fr", new { html = "<p>{{code}} pour {{customerNumber}}</p>" });
        var broken = await _owner.Client.PutAsJsonAsync("/api/v1/email/templates/password_reset/fr", new { text = "{{#if code}}sans fin" });
        var raw = await _owner.Client.PutAsJsonAsync("/api/v1/email/templates/password_reset/fr", new { html = "<p>{{{code}}}</p>" });
        var empty = await _owner.Client.PutAsJsonAsync("/api/v1/email/templates/password_reset/fr", new { subject = " " });

        foreach (var (response, field, words) in new[] { (unknown, "html", "customerNumber"), (broken, "text", "does not render"), (raw, "html", "Raw output"), (empty, "request", "at least one") })
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            StringAssert.Contains(problem.GetProperty("errors").GetProperty(field)[0].GetString(), words);
        }

        var current = await _owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/email/templates/password_reset/fr");
        Assert.AreEqual("platform", current.GetProperty("source").GetProperty("html").GetString(), "nothing was saved");
        Assert.AreEqual(HttpStatusCode.NotFound, (await _owner.Client.GetAsync("/api/v1/email/templates/no_such_template/en")).StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, (await _owner.Client.GetAsync("/api/v1/email/templates/welcome/de")).StatusCode);
    }

    [TestMethod]
    public async Task A_preview_renders_a_draft_in_the_organizations_branding_and_stores_nothing()
    {
        var response = await _owner.Client.PostAsJsonAsync("/api/v1/email/templates/welcome/ar/preview", new
        {
            subject = "أهلًا {{userName}}",
            model = new { userName = "<b>Layla</b>" },
        });

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
        var preview = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.AreEqual("أهلًا <b>Layla</b>", preview.GetProperty("subject").GetString());
        var html = preview.GetProperty("html").GetString()!;
        StringAssert.Contains(html, "<html lang=\"ar\" dir=\"rtl\">");
        StringAssert.Contains(html, "&lt;b&gt;Layla&lt;/b&gt;");
        StringAssert.Contains(html, "mailing", "the organization's name brands it");
        StringAssert.Contains(preview.GetProperty("text").GetString()!, "https://app.example.com/sign-in", "the sample model fills the rest");

        var missing = await _owner.Client.PostAsJsonAsync("/api/v1/email/templates/welcome/en/preview", new { model = new { userName = (string?)null } });
        Assert.AreEqual(HttpStatusCode.BadRequest, missing.StatusCode);
        StringAssert.Contains((await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("model")[0].GetString(), "userName");
    }

    [TestMethod]
    public async Task The_send_log_lists_the_organizations_emails_newest_first_with_a_cursor()
    {
        await InviteAsync("log-1@invitee.test");
        await InviteAsync("log-2@invitee.test");

        var first = await _owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/email/messages?limit=1");
        var item = first.GetProperty("items")[0];
        Assert.AreEqual("log-2@invitee.test", item.GetProperty("recipient").GetString());
        Assert.AreEqual("invitation", item.GetProperty("template").GetString());
        Assert.AreEqual("sent", item.GetProperty("status").GetString());
        Assert.AreEqual(1, item.GetProperty("attempts").GetInt32());
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/email/messages?limit=1&cursor={Uri.EscapeDataString(cursor!)}");
        Assert.AreEqual("log-1@invitee.test", second.GetProperty("items")[0].GetProperty("recipient").GetString());

        var one = await _owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/email/messages/{item.GetProperty("id").GetGuid()}");
        Assert.AreEqual("log-2@invitee.test", one.GetProperty("recipient").GetString());
        Assert.IsFalse(one.TryGetProperty("htmlBody", out _), "bodies (one-time codes) are never listed");
        Assert.AreEqual(HttpStatusCode.NotFound, (await _owner.Client.GetAsync($"/api/v1/email/messages/{Guid.NewGuid()}")).StatusCode);
    }

    [TestMethod]
    public async Task Account_emails_speak_the_callers_language()
    {
        using var client = _api.CreateClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("ar-EG, en;q=0.5");
        var registered = await client.PostAsJsonAsync("/api/v1/auth/register", new { organizationName = "Dar", organizationSlug = "dar", email = "owner@dar.test", password = "correct horse battery staple", displayName = "Layla" });
        Assert.AreEqual(HttpStatusCode.Created, registered.StatusCode, await registered.Content.ReadAsStringAsync());
        using var french = _api.CreateClient();
        french.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr-CA");
        Assert.AreEqual(HttpStatusCode.Accepted, (await french.PostAsJsonAsync("/api/v1/auth/forgot-password", new { email = _owner.Email })).StatusCode);

        var arabic = _api.LastEmailTo("owner@dar.test");
        StringAssert.Contains(arabic, "<html lang=\"ar\" dir=\"rtl\">");
        StringAssert.Contains(arabic, "أكّد عنوان بريدك الإلكتروني بهذا الرمز");
        Assert.IsFalse(string.IsNullOrEmpty(ApiFactory.CodeIn(arabic.Replace("الرمز:", "code:", StringComparison.Ordinal))));
        var reset = _api.LastEmailTo(_owner.Email);
        StringAssert.Contains(reset, "Quelqu’un a demandé la réinitialisation du mot de passe");
        StringAssert.Contains(reset, "Envoyé par mailing");
    }

    [TestMethod]
    public async Task Only_holders_of_the_email_permissions_see_or_change_templates_and_the_log()
    {
        var viewer = await _api.RegisterAndSignInAsync("mailing-viewer", "viewer@mailing.test");
        await TestMembers.AddAsync(_api.Database.SuperuserConnectionString, _owner.OrganizationId, viewer.UserId, SystemRoles.Viewer);
        var tokens = await _api.LoginAsync(viewer.Email, viewer.Password, "mailing");
        using var client = _api.Authorized(tokens.AccessToken);

        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/email/templates")).StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.PutAsJsonAsync("/api/v1/email/templates/welcome/en", new { subject = "x" })).StatusCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/email/messages")).StatusCode);
        foreach (var permission in new[] { Permissions.Email.TemplatesRead, Permissions.Email.TemplatesManage, Permissions.Email.LogRead })
        {
            Assert.IsTrue(SystemRoles.Owner.Permissions.Contains(permission) && SystemRoles.Admin.Permissions.Contains(permission), permission);
            Assert.IsFalse(SystemRoles.Manager.Permissions.Contains(permission), permission);
        }
    }

    private static async Task InviteAsync(string email)
    {
        var response = await _owner.Client.PostAsJsonAsync("/api/v1/invitations", new { email, roleId = SystemRoles.Viewer.Id });
        Assert.AreEqual(HttpStatusCode.Created, response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
