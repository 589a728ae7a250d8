using System.Net.Http.Json;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>The reader's channels per notification type, chosen with a plain form post (no JavaScript) and kept by the Api.</summary>
[TestClass]
public sealed class NotificationPreferencesTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task A_reader_without_javascript_chooses_channels_per_notification_type_and_the_api_keeps_them()
    {
        var email = await Owners.CreateConfirmedAsync("prefs");
        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, email);
        await page.GotoAsync("/account");
        await page.Locator("a[href='/account/notifications']").First.ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Notification settings");

        var plain = await page.Context.Browser!.NewContextAsync(new() { BaseURL = WholeApplication.Web.ToString(), JavaScriptEnabled = false, StorageState = await page.Context.StorageStateAsync() });
        var noScript = await plain.NewPageAsync();
        await noScript.GotoAsync("/account/notifications");
        // Every kind the platform sends is listed by name, on every channel until chosen otherwise.
        var row = noScript.Locator("tr[data-type='workflow.failed']");
        await Expect(noScript.Locator("[data-testid=preferences] tbody tr")).ToHaveCountAsync(5);
        await Expect(row.Locator("th")).ToContainTextAsync("A workflow you own fails");
        await Expect(row.Locator("[data-channel=inApp]")).ToBeCheckedAsync();
        await Expect(row.Locator("[data-channel=email]")).ToBeCheckedAsync();

        // In the app only.
        await row.Locator("[data-channel=email]").UncheckAsync();
        await noScript.GetByTestId("preferences-submit").ClickAsync();
        await Expect(noScript.GetByTestId("preferences-saved")).ToBeVisibleAsync();
        await Expect(row.Locator("[data-channel=inApp]")).ToBeCheckedAsync();
        await Expect(row.Locator("[data-channel=email]")).Not.ToBeCheckedAsync();

        // Changed to email only, then the page reloaded: the choice is kept.
        await row.Locator("[data-channel=inApp]").UncheckAsync();
        await row.Locator("[data-channel=email]").CheckAsync();
        await noScript.GetByTestId("preferences-submit").ClickAsync();
        await Expect(noScript.GetByTestId("preferences-saved")).ToBeVisibleAsync();
        await noScript.GotoAsync("/account/notifications");
        await Expect(noScript.GetByTestId("preferences-saved")).ToHaveCountAsync(0);
        await Expect(row.Locator("[data-channel=inApp]")).Not.ToBeCheckedAsync();
        await Expect(row.Locator("[data-channel=email]")).ToBeCheckedAsync();
        await WholeApplication.ScreenshotAsync(noScript, TestContext, "notification-preferences");
        await plain.CloseAsync();

        // The Api, asked as that reader, holds the same choice.
        var (api, _) = await Owners.ApiClientAsync(email);
        using (api)
        {
            var stored = await api.GetFromJsonAsync<JsonElement>("/api/v1/notifications/preferences");
            var preference = stored.EnumerateArray().Single(p => p.GetProperty("type").GetString() == "workflow.failed");
            Assert.IsFalse(preference.GetProperty("inApp").GetBoolean(), stored.ToString());
            Assert.IsTrue(preference.GetProperty("email").GetBoolean(), stored.ToString());
        }

        await page.Context.CloseAsync();
    }
}
