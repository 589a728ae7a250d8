using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>The audit log viewer: filters, the before/after view of an entry, the CSV export and the chain check.</summary>
[TestClass]
public sealed class AuditTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task An_owner_filters_the_audit_log_to_a_key_creation_sees_its_changes_exports_it_and_the_chain_is_intact()
    {
        var email = await Owners.CreateConfirmedAsync("audit");
        var (api, _) = await Owners.ApiClientAsync(email);
        using (api)
        {
            // One more than a page of entries (25), the newest named for the diff below.
            for (var i = 25; i >= 0; i--)
            {
                using var created = await api.PostAsJsonAsync("/api/v1/api-keys", new { name = i == 0 ? "Audited key" : $"Key {i}", permissions = new[] { "users.read" } });
                Assert.IsTrue(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            }
        }

        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, email);
        await page.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        await Expect(page.GetByTestId("audit-verify")).ToHaveAttributeAsync("data-valid", "true");
        await Expect(page.GetByTestId("audit-verify")).ToContainTextAsync("intact");

        await page.Locator("#action").FillAsync("api_key.created");
        await page.GetByTestId("audit-filter").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("action=api_key.created"));
        var rows = page.Locator("#audit-rows > tr");
        await Expect(rows).ToHaveCountAsync(25);
        await Expect(page.Locator("#audit-rows > tr:not([data-action='api_key.created'])")).ToHaveCountAsync(0);

        // "More" is a link (the next page alone, filters kept, without JavaScript); htmx appends it in place.
        var more = await page.GetByTestId("audit-more").GetAttributeAsync("href");
        StringAssert.Contains(more, "action=api_key.created");
        await page.GetByTestId("audit-more").ClickAsync();
        await Expect(rows).ToHaveCountAsync(26);
        await Expect(page.GetByTestId("audit-more")).ToHaveCountAsync(0);
        Assert.IsFalse(page.Url.Contains("cursor=", StringComparison.Ordinal), "htmx appended the rows without leaving the page");
        await Expect(rows.First).ToHaveAttributeAsync("data-action", "api_key.created");
        await rows.First.Locator("summary").ClickAsync();
        await Expect(rows.First.Locator("tr[data-field='Name'] ins")).ToHaveTextAsync("Audited key");
        await Expect(rows.First.Locator("tr[data-field='Name']")).ToHaveClassAsync("changed");
        await WholeApplication.ScreenshotAsync(page, TestContext, "audit");

        // The export link keeps the filter and streams the Api's CSV through the front end.
        var href = await page.GetByTestId("audit-export").GetAttributeAsync("href");
        Assert.IsNotNull(href);
        StringAssert.Contains(href, "action=api_key.created");
        var export = await page.APIRequest.GetAsync(href);
        Assert.AreEqual(200, export.Status);
        StringAssert.StartsWith(export.Headers["content-type"], "text/csv");
        var csv = await export.TextAsync();
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.HasCount(27, lines, "a header and the 26 filtered entries: " + csv);
        Assert.IsTrue(lines.Skip(1).All(line => line.Contains("api_key.created", StringComparison.Ordinal)), csv);

        var plain = await page.Context.Browser!.NewContextAsync(new() { BaseURL = WholeApplication.Web.ToString(), JavaScriptEnabled = false, StorageState = await page.Context.StorageStateAsync() });
        var noScript = await plain.NewPageAsync();
        await noScript.GotoAsync(more!);
        await Expect(noScript.Locator("#audit-rows > tr")).ToHaveCountAsync(1);
        await Expect(noScript.Locator("#action")).ToHaveValueAsync("api_key.created");
        await plain.CloseAsync();

        // Arabic and dark: the page mirrors, its strings are translated, the filters stay in place.
        await page.GetByTestId("culture-ar").ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("dir", "rtl");
        await page.GetByTestId("theme-toggle").ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await Expect(page.Locator("h1")).ToHaveTextAsync("سجل التدقيق");
        await Expect(page.GetByTestId("audit-verify")).ToHaveAttributeAsync("data-valid", "true");
        await Expect(page.Locator("#action")).ToHaveValueAsync("api_key.created");
        await page.Locator("#audit-rows > tr").First.Locator("summary").ClickAsync();
        await WholeApplication.ScreenshotAsync(page, TestContext, "audit-arabic-dark");
        await page.Context.CloseAsync();
    }
}
