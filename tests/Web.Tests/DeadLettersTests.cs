using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>The failed-messages pages: shown to admins only, an empty state, and an unknown message answered as not found.</summary>
[TestClass]
public sealed class DeadLettersTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task An_owner_sees_no_failed_messages_and_a_viewer_is_forbidden_the_page()
    {
        var ownerEmail = await Owners.CreateConfirmedAsync("letters");
        var viewerEmail = await Owners.CreateMemberAsync(ownerEmail, "viewer");
        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, ownerEmail);

        await page.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Failed messages" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/dead-letters$"));
        await Expect(page.GetByTestId("dead-letters-empty")).ToBeVisibleAsync();
        await page.GotoAsync($"/dead-letters/{Guid.NewGuid()}");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/not-found"));
        await page.Context.CloseAsync();

        var viewer = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(viewer, viewerEmail);
        await Expect(viewer.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Failed messages" })).ToHaveCountAsync(0);
        await Expect(viewer.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "API keys" })).ToHaveCountAsync(0);
        await viewer.GotoAsync("/dead-letters");
        await Expect(viewer.GetByTestId("forbidden")).ToBeVisibleAsync();
        await viewer.GotoAsync("/api-keys");
        await Expect(viewer.GetByTestId("forbidden")).ToBeVisibleAsync();
        await viewer.Context.CloseAsync();
    }
}
