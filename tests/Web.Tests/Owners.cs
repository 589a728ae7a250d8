using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>Organizations and their owners made for a test, and signing them in through the pages.</summary>
public static class Owners
{
    public const string Password = "correct horse battery staple";
    private static readonly HttpClient Api = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A unique slug per test run, so the assembly can run again on the same data folder.</summary>
    public static string NewSlug(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>Registers and confirms an owner straight through the Api (tests of other pages start from here).</summary>
    public static async Task<string> CreateConfirmedAsync(string prefix)
    {
        var slug = NewSlug(prefix);
        var email = $"owner@{slug}.test";
        using var registered = await Api.PostAsJsonAsync(new Uri(WholeApplication.Api, "/api/v1/auth/register"),
            new { organizationName = "Org " + slug, organizationSlug = slug, email, password = Password, displayName = "Owner " + prefix });
        Assert.IsTrue(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
        var link = await WholeApplication.Mail.LinkAsync(email, "/confirm-email");
        var query = System.Web.HttpUtility.ParseQueryString(link.Query);
        Assert.IsNotNull(query["user"], $"the confirmation link {link} names the user");
        using var confirmed = await Api.PostAsJsonAsync(new Uri(WholeApplication.Api, "/api/v1/auth/confirm-email"), new { userId = Guid.Parse(query["user"]!), code = query["code"] });
        Assert.IsTrue(confirmed.IsSuccessStatusCode, await confirmed.Content.ReadAsStringAsync());
        return email;
    }

    /// <summary>An HttpClient signed in to the Api as the owner (for arranging what a page then shows), with their user id.</summary>
    public static async Task<(HttpClient Client, Guid UserId)> ApiClientAsync(string email)
    {
        using var login = await Api.PostAsJsonAsync(new Uri(WholeApplication.Api, "/api/v1/auth/login"), new { email, password = Password });
        Assert.IsTrue(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync());
        var token = (await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("accessToken").GetString();
        var client = new HttpClient { BaseAddress = WholeApplication.Api, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var account = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/account");
        return (client, account.GetProperty("userId").GetGuid());
    }

    /// <summary>A member of the owner's organization with a system role (e.g. "viewer"), invited and joined straight through the Api.</summary>
    public static async Task<string> CreateMemberAsync(string ownerEmail, string roleName)
    {
        ArgumentNullException.ThrowIfNull(ownerEmail);
        var email = $"{roleName}-{Guid.NewGuid():N}"[..(roleName.Length + 9)] + "@" + ownerEmail.Split('@')[1];
        var (owner, _) = await ApiClientAsync(ownerEmail);
        using (owner)
        {
            var roles = await owner.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/roles");
            var roleId = roles.EnumerateArray().First(r => r.GetProperty("name").GetString() == roleName).GetProperty("id").GetGuid();
            using var invited = await owner.PostAsJsonAsync("/api/v1/invitations", new { email, roleId });
            Assert.IsTrue(invited.IsSuccessStatusCode, await invited.Content.ReadAsStringAsync());
        }

        var link = await WholeApplication.Mail.LinkAsync(email, "/accept-invitation");
        var code = System.Web.HttpUtility.ParseQueryString(link.Query)["code"];
        using var accepted = await Api.PostAsJsonAsync(new Uri(WholeApplication.Api, "/api/v1/auth/accept-invitation"), new { code, password = Password, displayName = "Member " + roleName });
        Assert.IsTrue(accepted.IsSuccessStatusCode, await accepted.Content.ReadAsStringAsync());
        return email;
    }

    public static async Task SignInAsync(IPage page, string email)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (!page.Url.Contains("/sign-in", StringComparison.Ordinal))
        {
            await page.GotoAsync("/sign-in");
        }

        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(Password);
        await page.GetByTestId("sign-in-submit").ClickAsync();
        await Expect(page.GetByTestId("user-name")).ToBeVisibleAsync();
    }
}
