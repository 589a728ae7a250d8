using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>Addresses that lead nowhere, or to pages that need a session, end on a clear page.</summary>
[TestClass]
public sealed class ErrorPageTests
{
    [TestMethod]
    public async Task An_unknown_address_shows_the_not_found_page_and_a_members_page_asks_a_stranger_to_sign_in()
    {
        var page = await WholeApplication.NewPageAsync();

        var missing = await page.GotoAsync("/no/such/page");
        Assert.AreEqual(404, missing!.Status);
        await Expect(page.GetByTestId("not-found")).ToBeVisibleAsync();

        await page.GotoAsync("/users");
        await Expect(page).ToHaveURLAsync(new Regex("/sign-in\\?returnUrl=%2Fusers"));
        await Expect(page.GetByTestId("forbidden")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
