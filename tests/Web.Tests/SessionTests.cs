using System.Globalization;
using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>The browser session over the Api's tokens: refreshed without the reader noticing, and ended from another device.</summary>
[TestClass]
public sealed class SessionTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task The_access_token_is_refreshed_behind_the_scenes_and_the_reader_stays_signed_in()
    {
        var email = await Owners.CreateConfirmedAsync("refresh");
        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, email);

        // Past three quarters of the token's life: the next Api call goes through a refresh first.
        await Task.Delay(WholeApplication.AccessTokenLifetime * 0.8, TestContext.CancellationToken);
        await page.GotoAsync("/account/sessions");

        var current = page.Locator("tr[data-current=true]");
        await Expect(current).ToHaveCountAsync(1);
        var created = DateTimeOffset.Parse((await current.GetAttributeAsync("data-created"))!, CultureInfo.InvariantCulture);
        var lastSeen = DateTimeOffset.Parse((await current.GetAttributeAsync("data-last-seen"))!, CultureInfo.InvariantCulture);
        // The Api moves a session's last-seen time only when its refresh token is used.
        Assert.IsTrue(lastSeen - created >= WholeApplication.AccessTokenLifetime * 0.7, $"the session was refreshed (created {created:O}, last seen {lastSeen:O})");
        await Expect(page.GetByTestId("user-name")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [TestMethod]
    public async Task Ending_another_devices_session_sends_that_browser_back_to_sign_in()
    {
        var email = await Owners.CreateConfirmedAsync("revoke");
        var laptop = await WholeApplication.NewPageAsync();
        var phone = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(laptop, email);
        await Owners.SignInAsync(phone, email);

        await laptop.GotoAsync("/account/sessions");
        await Expect(laptop.Locator("tr[data-session]")).ToHaveCountAsync(2);
        await laptop.Locator("tr[data-current=false] button").ClickAsync();
        await Expect(laptop.GetByTestId("session-revoked")).ToBeVisibleAsync();
        await Expect(laptop.Locator("tr[data-session]")).ToHaveCountAsync(1);

        await phone.GotoAsync("/account/sessions");
        await Expect(phone).ToHaveURLAsync(new Regex("/sign-in\\?expired=1&returnUrl=%2Faccount%2Fsessions"));
        await Expect(phone.GetByTestId("user-name")).ToHaveCountAsync(0);
        await laptop.Context.CloseAsync();
        await phone.Context.CloseAsync();
    }
}
