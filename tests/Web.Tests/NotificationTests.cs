using System.Net.Http.Json;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>Notifications arrive in the open page over its live connection (Api stream → Web relay → htmx), with no reload.</summary>
[TestClass]
public sealed class NotificationTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task A_notification_created_through_the_api_appears_in_the_open_inbox_and_on_the_bell_without_a_reload()
    {
        var email = await Owners.CreateConfirmedAsync("live");
        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, email);
        await page.GotoAsync("/notifications");
        await Expect(page.GetByTestId("inbox-empty")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("unread-count")).ToHaveAttributeAsync("data-unread", "0");
        // Survives only if the page is never reloaded.
        await page.EvaluateAsync("() => window.stillTheSamePage = true");
        // The page's live connection is open (the relay answers only once the Api's stream is subscribed).
        await Expect(page.Locator("html[data-live=open]")).ToHaveCountAsync(1);

        // A published workflow whose one step notifies the owner, started through the Api (the Workers run it).
        var (api, userId) = await Owners.ApiClientAsync(email);
        using (api)
        {
            var created = await api.PostAsJsonAsync("/api/v1/workflows", new
            {
                name = "Overdue reminder",
                graph = new
                {
                    nodes = new object[]
                    {
                        new { id = "start", type = "trigger.manual" },
                        new { id = "tell", type = "notify", config = new { userId = userId.ToString(), title = "Invoice INV-42 is overdue", body = "Acme Trading owes 1,250.00", link = "/account" } },
                    },
                    edges = new[] { new { from = "start", to = "tell" } },
                },
            });
            Assert.IsTrue(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
            var published = await api.PostAsync(new Uri($"/api/v1/workflows/{id}/publish", UriKind.Relative), null);
            Assert.IsTrue(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
            var started = await api.PostAsJsonAsync($"/api/v1/workflows/{id}/executions", new { input = new { } });
            Assert.IsTrue(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());
        }

        var arrived = page.GetByTestId("inbox").Locator("li.inbox-item");
        await Expect(arrived).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(arrived).ToContainTextAsync("Invoice INV-42 is overdue");
        await Expect(page.GetByTestId("inbox-empty")).ToBeHiddenAsync();
        await Expect(page.GetByTestId("unread-count")).ToHaveAttributeAsync("data-unread", "1");
        Assert.IsTrue(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true"), "the page was not reloaded");
        await WholeApplication.ScreenshotAsync(page, TestContext, "notifications-live");

        await page.GetByTestId("mark-all-read").ClickAsync();
        await Expect(page.GetByTestId("unread-count")).ToHaveAttributeAsync("data-unread", "0");
        await Expect(page.Locator("li.inbox-item.unread")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
