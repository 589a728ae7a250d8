using Microsoft.Playwright;
using Platform.Identity.Mfa;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>A new customer's first visit: sign up, confirm by email, sign in, turn on MFA, and sign in again with a code.</summary>
[TestClass]
public sealed class SignUpAndSecondFactorTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task A_new_owner_signs_up_confirms_by_email_enrols_an_authenticator_and_signs_in_again_with_a_code()
    {
        var page = await WholeApplication.NewPageAsync();
        var slug = Owners.NewSlug("signup");
        var email = $"owner@{slug}.test";

        await page.GotoAsync("/sign-up");
        await page.Locator("#organizationName").FillAsync("Acme " + slug);
        await page.Locator("#organizationSlug").FillAsync(slug);
        await page.Locator("#displayName").FillAsync("Amal Haddad");
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(Owners.Password);
        await WholeApplication.ScreenshotAsync(page, TestContext, "sign-up");
        await page.GetByTestId("sign-up-submit").ClickAsync();
        await Expect(page.GetByTestId("sign-up-done")).ToContainTextAsync(email);

        // The link in the email opens the front end's landing page, which confirms on arrival.
        var link = await WholeApplication.Mail.LinkAsync(email, "/confirm-email");
        Assert.AreEqual(WholeApplication.Web.Authority, link.Authority, "the email links to the front end");
        await page.GotoAsync(link.ToString());
        await Expect(page.GetByTestId("email-confirmed")).ToBeVisibleAsync();

        await Owners.SignInAsync(page, email);
        await Expect(page.GetByTestId("welcome")).ToContainTextAsync("Amal Haddad");
        await Expect(page.GetByTestId("side-nav")).ToContainTextAsync("Active sessions");

        await page.GotoAsync("/account/security");
        await page.GetByTestId("mfa-begin").ClickAsync();
        var sharedKey = await page.GetByTestId("shared-key").InnerTextAsync();
        // The QR code is drawn in the browser by the npm library served from wwwroot/lib.
        await Expect(page.Locator(".qr svg")).ToBeVisibleAsync();
        await WholeApplication.ScreenshotAsync(page, TestContext, "mfa-enrolment");
        var key = Base32.Decode(sharedKey);
        var totp = new Totp(TimeProvider.System);
        // Each time step is accepted once: enrol with the previous step, sign in later with the current one.
        await page.Locator("#code").FillAsync(totp.GenerateForStep(key, totp.CurrentStep - 1));
        await page.GetByTestId("mfa-enable-submit").ClickAsync();
        await Expect(page.GetByTestId("recovery-codes").Locator("li")).ToHaveCountAsync(10);

        await page.GetByTestId("sign-out").ClickAsync();
        await Expect(page.GetByTestId("signed-out")).ToBeVisibleAsync();
        await page.GotoAsync("/account");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in\\?returnUrl=%2Faccount"));

        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(Owners.Password);
        await page.GetByTestId("sign-in-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in/second-factor"));
        await page.Locator("#totpCode").FillAsync("000000");
        await page.GetByTestId("second-factor-submit").ClickAsync();
        await Expect(page.Locator("[data-field-error=totpCode]")).ToBeVisibleAsync();
        await page.Locator("#totpCode").FillAsync(totp.GenerateForStep(key, totp.CurrentStep));
        await page.GetByTestId("second-factor-submit").ClickAsync();

        // Back where the reader was heading, signed in with the second factor.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account$"));
        await Expect(page.GetByTestId("mfa-status")).ToContainTextAsync("On");
        await page.Context.CloseAsync();
    }
}
