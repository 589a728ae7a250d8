using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>Custom roles made from the web, shown in the permission matrix.</summary>
[TestClass]
public sealed class RolesTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task An_owner_creates_a_custom_role_and_the_matrix_shows_what_it_grants()
    {
        var email = await Owners.CreateConfirmedAsync("roles");
        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, email);

        await page.GotoAsync("/roles");
        await page.GetByTestId("new-role").ClickAsync();
        await page.Locator("input[value='users.read']").CheckAsync();
        await page.GetByTestId("role-submit").ClickAsync();
        await Expect(page.Locator("[data-field-error=name]")).ToBeVisibleAsync();
        await Expect(page.Locator("input[value='users.read']")).ToBeCheckedAsync();

        await page.Locator("#name").FillAsync("Clerk");
        await page.Locator("#description").FillAsync("Reads the member list");
        await page.GetByTestId("role-submit").ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/roles$"));
        var column = await page.Locator("thead th").AllInnerTextsAsync();
        var clerk = column.ToList().IndexOf("Clerk");
        Assert.IsGreaterThan(0, clerk, "the matrix has a Clerk column");
        await Expect(page.Locator($"tr[data-permission='users.read'] td:nth-child({clerk + 1})")).ToHaveClassAsync("granted");
        await Expect(page.Locator($"tr[data-permission='users.invite'] td:nth-child({clerk + 1})")).Not.ToHaveClassAsync("granted");
        await page.Context.CloseAsync();
    }
}
