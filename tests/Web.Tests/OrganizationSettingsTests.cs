using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>Organization settings: renamed and set to require two-step sign-in by the owner, refused on the name's field, forbidden to a viewer.</summary>
[TestClass]
public sealed class OrganizationSettingsTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task An_owner_renames_the_organization_and_requires_two_step_sign_in_and_a_viewer_is_forbidden_the_page()
    {
        var ownerEmail = await Owners.CreateConfirmedAsync("orgset");
        var viewerEmail = await Owners.CreateMemberAsync(ownerEmail, "viewer");

        var viewer = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(viewer, viewerEmail);
        await Expect(viewer.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Organization settings" })).ToHaveCountAsync(0);
        await viewer.GotoAsync("/organization/settings");
        await Expect(viewer.GetByTestId("forbidden")).ToBeVisibleAsync();
        await viewer.Context.CloseAsync();

        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, ownerEmail);
        await page.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Organization settings" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/organization/settings$"));
        var slug = ownerEmail.Split('@')[1].Replace(".test", "", StringComparison.Ordinal);
        await Expect(page.GetByTestId("organization-slug")).ToHaveTextAsync(slug);
        await Expect(page.GetByTestId("organization-plan")).ToHaveTextAsync("free");
        await Expect(page.Locator("#name")).ToHaveValueAsync("Org " + slug);
        await Expect(page.Locator("#mfaRequired")).Not.ToBeCheckedAsync();

        // The Api's refusal beside the name; the checkbox keeps what was chosen.
        await page.Locator("#name").FillAsync("   ");
        await page.Locator("#mfaRequired").CheckAsync();
        await page.GetByTestId("organization-submit").ClickAsync();
        await Expect(page.Locator("[data-field-error=name]")).ToBeVisibleAsync();
        await Expect(page.Locator("#mfaRequired")).ToBeCheckedAsync();

        await page.Locator("#name").FillAsync("Renamed " + slug);
        await page.GetByTestId("organization-submit").ClickAsync();
        await Expect(page.GetByTestId("organization-saved")).ToBeVisibleAsync();
        await WholeApplication.ScreenshotAsync(page, TestContext, "organization-settings");

        // Stored at the Api: a fresh page shows them, and the switcher carries the new name.
        await page.GotoAsync("/organization/settings");
        await Expect(page.Locator("#name")).ToHaveValueAsync("Renamed " + slug);
        await Expect(page.Locator("#mfaRequired")).ToBeCheckedAsync();
        await Expect(page.Locator("#organization-switch option:checked")).ToHaveTextAsync("Renamed " + slug);
        await page.Context.CloseAsync();
    }
}
