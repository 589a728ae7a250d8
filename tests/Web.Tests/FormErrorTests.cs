using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>Input the Api refuses comes back as messages beside the fields concerned, never as an error page.</summary>
[TestClass]
public sealed class FormErrorTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Bad_sign_up_input_is_reported_beside_each_field_and_keeps_what_was_typed()
    {
        var page = await WholeApplication.NewPageAsync();
        await page.GotoAsync("/sign-up");
        await page.Locator("#organizationSlug").FillAsync("Not A Slug!");
        await page.Locator("#displayName").FillAsync("Sam");
        await page.Locator("#email").FillAsync("not-an-email");
        await page.Locator("#password").FillAsync("short");
        await page.GetByTestId("sign-up-submit").ClickAsync();

        await Expect(page.Locator("[data-field-error=organizationName]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-field-error=organizationSlug]")).ToContainTextAsync("lower-case");
        await Expect(page.Locator("[data-field-error=email]")).ToBeVisibleAsync();
        await Expect(page.Locator("#organizationSlug")).ToHaveValueAsync("Not A Slug!");
        await Expect(page.Locator("#password")).ToHaveValueAsync("");
        await WholeApplication.ScreenshotAsync(page, TestContext, "sign-up-errors");
        await page.Context.CloseAsync();
    }

    [TestMethod]
    public async Task A_wrong_password_is_refused_with_the_apis_message_and_signs_nobody_in()
    {
        var email = await Owners.CreateConfirmedAsync("wrongpw");
        var page = await WholeApplication.NewPageAsync();
        await page.GotoAsync("/sign-in");
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync("not the password at all");
        await page.GetByTestId("sign-in-submit").ClickAsync();

        await Expect(page.GetByTestId("problem")).ToHaveAttributeAsync("data-code", "invalid_credentials");
        await Expect(page.GetByTestId("user-name")).ToHaveCountAsync(0);
        await page.GotoAsync("/account/sessions");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in"));
        await page.Context.CloseAsync();
    }
}
