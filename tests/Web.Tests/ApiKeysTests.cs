using System.Net;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>API keys made from the web: the secret shown once works against the Api until it is revoked.</summary>
[TestClass]
public sealed class ApiKeysTests
{
    private static readonly HttpClient Api = new() { Timeout = TimeSpan.FromSeconds(30) };

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task An_owner_creates_a_scoped_key_uses_it_against_the_api_and_revokes_it()
    {
        var email = await Owners.CreateConfirmedAsync("keys");
        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, email);

        await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "API keys" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/api-keys$"));
        await Expect(page.GetByTestId("api-keys-empty")).ToBeVisibleAsync();

        // The Api's field errors beside their fields, the choices kept.
        await page.Locator("input[value='users.read']").CheckAsync();
        await page.Locator("#expiresAt").FillAsync("2020-01-31");
        await page.GetByTestId("api-key-submit").ClickAsync();
        await Expect(page.Locator("[data-field-error=name]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-field-error=expiresAt]")).ToBeVisibleAsync();
        await Expect(page.Locator("input[value='users.read']")).ToBeCheckedAsync();

        var expiry = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(30));
        await page.Locator("#name").FillAsync("Reporting");
        await page.Locator("#expiresAt").FillAsync(expiry.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByTestId("api-key-submit").ClickAsync();
        var key = (await page.GetByTestId("api-key-value").InnerTextAsync()).Trim();
        Assert.IsGreaterThan(20, key.Length, "the secret is shown");
        await Expect(page.Locator("[data-copy=api-key-value]")).ToBeVisibleAsync();
        await Expect(page.Locator("tr[data-key='Reporting'] [data-testid=api-key-status]")).ToHaveTextAsync("Active");
        await Expect(page.Locator("tr[data-key='Reporting'] [data-testid=api-key-expires]")).ToHaveAttributeAsync("data-expires", expiry.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await WholeApplication.ScreenshotAsync(page, TestContext, "api-key-created");

        // A real call with the key, within its scope and outside it.
        Assert.AreEqual(HttpStatusCode.OK, await CallAsync("/api/v1/users", key));
        Assert.AreEqual(HttpStatusCode.Forbidden, await CallAsync("/api/v1/roles", key));

        // Shown once: a reload lists the key but not its secret.
        await page.GotoAsync("/api-keys");
        await Expect(page.GetByTestId("api-key-secret")).ToHaveCountAsync(0);
        Assert.IsFalse((await page.ContentAsync()).Contains(key, StringComparison.Ordinal), "the secret is not shown again");

        await page.Locator("tr[data-key='Reporting'] [data-testid=revoke-key]").ClickAsync();
        await Expect(page.Locator("tr[data-key='Reporting'] [data-testid=api-key-status]")).ToHaveTextAsync("Revoked");
        Assert.AreEqual(HttpStatusCode.Unauthorized, await CallAsync("/api/v1/users", key));
        await page.Context.CloseAsync();
    }

    private static async Task<HttpStatusCode> CallAsync(string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(WholeApplication.Api, path));
        request.Headers.Add("X-Api-Key", key);
        using var response = await Api.SendAsync(request);
        return response.StatusCode;
    }
}
