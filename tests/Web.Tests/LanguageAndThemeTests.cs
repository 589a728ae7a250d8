using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>The interface in Arabic (mirrored, translated) and in dark mode, each choice remembered.</summary>
[TestClass]
public sealed class LanguageAndThemeTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Arabic_mirrors_the_layout_and_translates_the_navigation_and_dark_mode_is_remembered()
    {
        var email = await Owners.CreateConfirmedAsync("lang");
        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, email);
        await Expect(page.Locator("html")).ToHaveAttributeAsync("dir", "ltr");
        await WholeApplication.ScreenshotAsync(page, TestContext, "home-light");

        await page.GetByTestId("culture-ar").ClickAsync();

        await Expect(page.Locator("html")).ToHaveAttributeAsync("dir", "rtl");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "ar");
        await Expect(page.GetByTestId("side-nav")).ToContainTextAsync("الجلسات النشطة");
        await Expect(page.GetByTestId("side-nav")).ToContainTextAsync("حسابي");
        // Mirrored, not just right-aligned text: the navigation sits at the right edge.
        var nav = await page.GetByTestId("side-nav").BoundingBoxAsync();
        Assert.IsTrue(nav!.X > 600, $"the navigation starts at x={nav.X}, expected on the right");
        await WholeApplication.ScreenshotAsync(page, TestContext, "home-arabic");

        await page.GotoAsync("/account/sessions");
        await Expect(page.Locator("h1")).ToHaveTextAsync("الجلسات النشطة");

        await page.GetByTestId("theme-toggle").ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(13, 17, 23)");
        await page.ReloadAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("dir", "rtl");
        await WholeApplication.ScreenshotAsync(page, TestContext, "sessions-arabic-dark");

        await page.GetByTestId("culture-en").ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("dir", "ltr");
        await Expect(page).ToHaveURLAsync(new Regex("/account/sessions$"));
        await WholeApplication.ScreenshotAsync(page, TestContext, "sessions-dark");
        await page.Context.CloseAsync();
    }
}
