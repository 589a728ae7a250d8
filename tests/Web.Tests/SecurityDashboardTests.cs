using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>The security dashboard: real failed sign-ins, denials and a lockout counted (chart and table), and the IP rule editor.</summary>
[TestClass]
public sealed class SecurityDashboardTests
{
    private static readonly HttpClient Api = new() { Timeout = TimeSpan.FromSeconds(30) };

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task An_owner_sees_failed_sign_ins_denials_and_a_lockout_counted_with_and_without_javascript()
    {
        var ownerEmail = await Owners.CreateConfirmedAsync("secdash");
        var viewerEmail = await Owners.CreateMemberAsync(ownerEmail, "viewer");

        // A denial: the viewer asks the Api for the IP rules, which only admins may read.
        var (viewer, _) = await Owners.ApiClientAsync(viewerEmail);
        using (viewer)
        {
            using var denied = await viewer.GetAsync("/api/v1/security/ip-rules");
            Assert.AreEqual(HttpStatusCode.Forbidden, denied.StatusCode);
        }

        // Five wrong passwords lock the viewer out (the owner keeps signing in).
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var failed = await Api.PostAsJsonAsync(new Uri(WholeApplication.Api, "/api/v1/auth/login"), new { email = viewerEmail, password = "wrong password " + attempt });
            Assert.IsFalse(failed.IsSuccessStatusCode, "a wrong password is refused");
        }

        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, ownerEmail);
        await page.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Security" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/security$"));
        await WebhooksTests.ReloadUntilVisibleAsync(page, page.Locator("[data-testid=total-failed_login] strong", new() { HasTextRegex = new Regex("^5$") }));
        await Expect(page.Locator("[data-testid=total-lockout] strong")).ToHaveTextAsync("1");
        await Expect(page.Locator("[data-testid=total-permission_denied] strong")).ToHaveTextAsync("1");

        // The chart is drawn from the table, which folds away once the chart shows the same numbers.
        await Expect(page.Locator("#security-chart[data-drawn=true] svg")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("security-counts")).ToBeHiddenAsync();
        await Expect(page.Locator("#security-counts tbody tr:last-child td[data-series=failed_login]")).ToHaveAttributeAsync("data-value", "5");
        await WholeApplication.ScreenshotAsync(page, TestContext, "security-dashboard");

        // Hourly for the last day: the same events in the current hour.
        await page.GetByTestId("range-24h").ClickAsync();
        await Expect(page.Locator("#security-counts tbody tr")).ToHaveCountAsync(24);
        await Expect(page.Locator("#security-counts tbody tr:last-child td[data-series=lockout]")).ToHaveAttributeAsync("data-value", "1");
        await page.Context.CloseAsync();

        // Without JavaScript there is no chart, and the table shows the numbers.
        var context = await WholeApplication.Browser.NewContextAsync(new() { BaseURL = WholeApplication.Web.ToString(), JavaScriptEnabled = false });
        var plain = await context.NewPageAsync();
        await Owners.SignInAsync(plain, ownerEmail);
        await plain.GotoAsync("/security");
        await Expect(plain.GetByTestId("security-chart")).ToBeHiddenAsync();
        await Expect(plain.Locator("#security-counts tbody tr:last-child td[data-series=failed_login]")).ToHaveTextAsync("5");
        await context.CloseAsync();
    }

    [TestMethod]
    public async Task An_owner_adds_and_removes_an_ip_rule_and_is_warned_before_locking_themselves_out()
    {
        var email = await Owners.CreateConfirmedAsync("iprules");
        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, email);
        await page.GotoAsync("/security");
        await Expect(page.GetByTestId("ip-rules-empty")).ToBeVisibleAsync();

        await page.Locator("#cidr").FillAsync("not-a-network");
        await page.GetByTestId("ip-rule-add").ClickAsync();
        await Expect(page.Locator("[data-field-error=cidr]")).ToBeVisibleAsync();

        // A documentation range (RFC 5737) nobody signs in from.
        await page.Locator("#cidr").FillAsync("203.0.113.0/24");
        await page.Locator("#action").SelectOptionAsync("deny");
        await page.Locator("#description").FillAsync("Documentation range");
        await page.GetByTestId("ip-rule-add").ClickAsync();
        await Expect(page.Locator("tr[data-rule='203.0.113.0/24'] [data-testid=ip-rule-action]")).ToHaveTextAsync("Deny");
        await Expect(page.Locator("tr[data-rule='203.0.113.0/24']")).ToContainTextAsync("Documentation range");

        // An allow list without 127.0.0.1 would shut this browser out: refused unless confirmed, and not confirmed here.
        await page.Locator("#cidr").FillAsync("198.51.100.0/24");
        await page.Locator("#action").SelectOptionAsync("allow");
        await page.GetByTestId("ip-rule-add").ClickAsync();
        await Expect(page.Locator("[data-testid=problem][data-code=ip_rule_self_lockout]")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("ip-rule-confirm")).ToBeVisibleAsync();
        await Expect(page.Locator("tr[data-rule]")).ToHaveCountAsync(1);
        await WholeApplication.ScreenshotAsync(page, TestContext, "security-ip-rules");

        await page.Locator("tr[data-rule='203.0.113.0/24'] [data-testid=ip-rule-remove]").ClickAsync();
        await Expect(page.GetByTestId("ip-rules-notice")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("ip-rules-empty")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }
}
