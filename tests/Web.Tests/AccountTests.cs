using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>The reader's own account: their name and their password.</summary>
[TestClass]
public sealed class AccountTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task A_reader_renames_themselves_and_changes_their_password_with_mistakes_shown_beside_the_fields()
    {
        var email = await Owners.CreateConfirmedAsync("account");
        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, email);

        await page.GotoAsync("/account");
        await page.Locator("#displayName").FillAsync("Noor Saleh");
        await page.GetByTestId("profile-submit").ClickAsync();
        await Expect(page.GetByTestId("profile-saved")).ToBeVisibleAsync();
        await page.GotoAsync("/");
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync("Noor Saleh");

        await page.GotoAsync("/account/password");
        await page.Locator("#currentPassword").FillAsync(Owners.Password);
        await page.Locator("#newPassword").FillAsync("a fresh long passphrase");
        await page.Locator("#confirmPassword").FillAsync("a different passphrase");
        await page.GetByTestId("password-submit").ClickAsync();
        await Expect(page.Locator("[data-field-error=confirmPassword]")).ToBeVisibleAsync();

        await page.Locator("#currentPassword").FillAsync("not my password");
        await page.Locator("#newPassword").FillAsync("a fresh long passphrase");
        await page.Locator("#confirmPassword").FillAsync("a fresh long passphrase");
        await page.GetByTestId("password-submit").ClickAsync();
        await Expect(page.Locator("[data-field-error=currentPassword]")).ToContainTextAsync("current password");

        await page.Locator("#currentPassword").FillAsync(Owners.Password);
        await page.Locator("#newPassword").FillAsync("a fresh long passphrase");
        await page.Locator("#confirmPassword").FillAsync("a fresh long passphrase");
        await page.GetByTestId("password-submit").ClickAsync();
        await Expect(page.GetByTestId("password-changed")).ToBeVisibleAsync();

        await page.GetByTestId("sign-out").ClickAsync();
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync("a fresh long passphrase");
        await page.GetByTestId("sign-in-submit").ClickAsync();
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync("Noor Saleh");
        await page.Context.CloseAsync();
    }
}
