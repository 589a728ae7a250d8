using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>A member of two organizations moves between them with the switcher in the top bar.</summary>
[TestClass]
public sealed class OrganizationSwitchTests
{
    private static readonly Guid ViewerRoleId = Guid.Parse("00000000-0000-0000-0000-0000000000a1");

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task An_owner_invited_as_a_viewer_elsewhere_switches_organization_and_the_navigation_follows_the_role_there()
    {
        var amal = await Owners.CreateConfirmedAsync("home");
        var other = await Owners.CreateConfirmedAsync("away");
        var (otherApi, _) = await Owners.ApiClientAsync(other);
        using (otherApi)
        {
            var invited = await otherApi.PostAsJsonAsync("/api/v1/invitations", new { email = amal, roleId = ViewerRoleId });
            Assert.IsTrue(invited.IsSuccessStatusCode, await invited.Content.ReadAsStringAsync());
        }

        var page = await WholeApplication.NewPageAsync();
        await page.GotoAsync((await WholeApplication.Mail.LinkAsync(amal, "/accept-invitation")).ToString());
        // An existing account joins with its own password.
        await page.Locator("#password").FillAsync(Owners.Password);
        await page.GetByTestId("accept-invitation-submit").ClickAsync();
        await Expect(page.GetByTestId("invitation-accepted")).ToBeVisibleAsync();

        await Owners.SignInAsync(page, amal);
        var switcher = page.GetByTestId("organization-switch");
        await Expect(switcher.Locator("option")).ToHaveCountAsync(2);
        var home = await switcher.Locator("option:checked").InnerTextAsync();
        await Expect(page.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Users" })).ToBeVisibleAsync();

        var away = (await switcher.Locator("option").AllInnerTextsAsync()).Single(name => name != home);
        await switcher.SelectOptionAsync(new SelectOptionValue { Label = away });

        await Expect(page.GetByTestId("organization-switch").Locator("option:checked")).ToHaveTextAsync(away);
        // A viewer there: the members pages are not offered.
        await Expect(page.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Users" })).ToHaveCountAsync(0);
        await page.GotoAsync("/organizations");
        await Expect(page.GetByTestId("organizations").Locator("li", new() { HasText = away })).ToContainTextAsync("Current organization");
        await page.Context.CloseAsync();
    }
}
