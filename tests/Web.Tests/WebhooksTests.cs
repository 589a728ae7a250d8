using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using Platform.Webhooks;
using TestKit;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>Webhook endpoints made from the web, delivering to a real receiver on 127.0.0.1: test events, the delivery log, replay, secret rotation.</summary>
[TestClass]
public sealed class WebhooksTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task An_owner_adds_an_endpoint_sees_a_failed_delivery_replays_it_and_rotates_the_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var email = await Owners.CreateConfirmedAsync("hooks");
        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, email);

        await page.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Webhooks" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/webhooks$"));
        await Expect(page.GetByTestId("webhooks-empty")).ToBeVisibleAsync();

        // The Api's SSRF refusal beside the URL, the chosen event types kept.
        await page.Locator("#url").FillAsync("http://169.254.169.254/latest/meta-data");
        await page.Locator("input[name=EventTypes][value='member.joined']").CheckAsync();
        await page.GetByTestId("webhook-create").ClickAsync();
        await Expect(page.Locator("[data-field-error=url]")).ToContainTextAsync("internal address");
        await Expect(page.Locator("input[name=EventTypes][value='member.joined']")).ToBeCheckedAsync();

        var url = receiver.Url("/hooks");
        await page.Locator("#url").FillAsync(url);
        await page.Locator("#description").FillAsync("Order system");
        await page.GetByTestId("webhook-create").ClickAsync();
        var secret = (await page.GetByTestId("webhook-secret-value").InnerTextAsync()).Trim();
        StringAssert.StartsWith(secret, "whsec_", "the signing secret is shown once");
        await Expect(page.Locator("[data-copy=webhook-secret-value]")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("webhook-endpoints").Locator("tr[data-endpoint]")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("webhook-endpoints")).ToContainTextAsync("member.joined");

        // A test event reaches the receiver, signed with the secret, and shows in the delivery log.
        await page.GetByTestId("webhook-open-created").ClickAsync();
        await Expect(page.GetByTestId("webhook-url")).ToHaveTextAsync(url);
        await page.GetByTestId("webhook-send-test").ClickAsync();
        await Expect(page.GetByTestId("webhook-notice")).ToBeVisibleAsync();
        await ReloadUntilVisibleAsync(page, page.Locator("tr[data-succeeded=true][data-trigger=test]"));
        await Expect(page.Locator("tr[data-succeeded=true] [data-testid=webhook-result]")).ToContainTextAsync("HTTP 200");
        Assert.IsTrue(SignedWith(receiver.At("/hooks")[^1], secret), "the delivery is signed with the secret shown");

        // The receiver fails: the next test event is logged as failed, with what the receiver answered.
        receiver.Respond = async context =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsync("receiver down");
        };
        await page.GetByTestId("webhook-send-test").ClickAsync();
        var failingMessage = await page.GetByTestId("webhook-notice").GetAttributeAsync("data-message");
        Assert.IsFalse(string.IsNullOrEmpty(failingMessage), "the notice names the queued message");
        var failed = page.Locator($"tr[data-message='{failingMessage}'][data-succeeded=false]");
        await ReloadUntilVisibleAsync(page, failed.First);
        await Expect(failed.First.GetByTestId("webhook-result")).ToContainTextAsync("HTTP 500");
        await Expect(failed.First).ToContainTextAsync("receiver down");
        await WholeApplication.ScreenshotAsync(page, TestContext, "webhook-delivery-failed");

        // Fixed, then replayed from the log: the same message is delivered.
        receiver.Respond = context => context.Response.WriteAsync("ok");
        await page.Locator($"tr[data-message='{failingMessage}'] [data-testid=webhook-replay]").ClickAsync();
        await Expect(page.GetByTestId("webhook-notice")).ToContainTextAsync(failingMessage);
        await ReloadUntilVisibleAsync(page, page.Locator($"tr[data-message='{failingMessage}'][data-succeeded=true][data-trigger=replay]"));
        await WholeApplication.ScreenshotAsync(page, TestContext, "webhook-delivery-replayed");

        // A new secret, shown once; deliveries are signed with it from then on (the old one beside it for the grace period).
        await page.GetByTestId("webhook-rotate").ClickAsync();
        var rotated = (await page.GetByTestId("webhook-secret-value").InnerTextAsync()).Trim();
        StringAssert.StartsWith(rotated, "whsec_");
        Assert.AreNotEqual(secret, rotated, "rotation issues a new secret");
        await Expect(page.GetByTestId("webhook-previous-expires")).ToBeVisibleAsync();
        await page.GetByTestId("webhook-send-test").ClickAsync();
        var afterRotation = await page.GetByTestId("webhook-notice").GetAttributeAsync("data-message");
        await ReloadUntilVisibleAsync(page, page.Locator($"tr[data-message='{afterRotation}'][data-succeeded=true]"));
        var signed = receiver.At("/hooks").Last(r => r.Headers["webhook-id"] == afterRotation);
        Assert.IsTrue(SignedWith(signed, rotated) && SignedWith(signed, secret), "signed with the new secret and, during the grace period, the old one");

        await page.GotoAsync(page.Url);
        await Expect(page.GetByTestId("webhook-secret")).ToHaveCountAsync(0);
        Assert.IsFalse((await page.ContentAsync()).Contains(rotated, StringComparison.Ordinal), "the new secret is not shown again");
        await page.Context.CloseAsync();
    }

    [TestMethod]
    public async Task Without_javascript_and_in_arabic_an_endpoint_is_added_and_its_secret_shown_for_selecting()
    {
        var email = await Owners.CreateConfirmedAsync("hooknojs");
        var context = await WholeApplication.Browser.NewContextAsync(new() { BaseURL = WholeApplication.Web.ToString(), JavaScriptEnabled = false, Locale = "ar" });
        var page = await context.NewPageAsync();
        await Owners.SignInAsync(page, email);
        await page.GotoAsync("/webhooks");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("dir", "rtl");
        await Expect(page.Locator("h1")).ToHaveTextAsync("خطافات الويب");

        // Nothing listens there: adding an endpoint only checks where its URL points.
        await page.Locator("#url").FillAsync("http://127.0.0.1:9/hooks");
        await page.Locator("input[name=EventTypes][value='api_key.created']").CheckAsync();
        await page.GetByTestId("webhook-create").ClickAsync();
        StringAssert.StartsWith((await page.GetByTestId("webhook-secret-value").InnerTextAsync()).Trim(), "whsec_");
        await Expect(page.Locator("[data-copy=webhook-secret-value]")).ToBeHiddenAsync();
        await Expect(page.GetByTestId("webhook-endpoints").Locator("tr[data-endpoint]")).ToContainTextAsync("api_key.created");
        await WholeApplication.ScreenshotAsync(page, TestContext, "webhook-created-rtl-without-javascript");
        await context.CloseAsync();
    }

    [TestMethod]
    public async Task A_viewer_is_forbidden_the_webhooks_page()
    {
        var ownerEmail = await Owners.CreateConfirmedAsync("hookview");
        var viewerEmail = await Owners.CreateMemberAsync(ownerEmail, "viewer");
        var viewer = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(viewer, viewerEmail);
        await Expect(viewer.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Webhooks" })).ToHaveCountAsync(0);
        await viewer.GotoAsync("/webhooks");
        await Expect(viewer.GetByTestId("forbidden")).ToBeVisibleAsync();
        await viewer.Context.CloseAsync();
    }

    /// <summary>Deliveries are made by the Workers in the background: the log is reloaded until the row shows (at most a minute).</summary>
    internal static async Task ReloadUntilVisibleAsync(IPage page, ILocator row)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (await row.CountAsync() == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
            await page.GotoAsync(page.Url);
        }

        await Expect(row).ToBeVisibleAsync();
    }

    /// <summary>True when one of the request's Standard Webhooks signatures was made with <paramref name="secret"/>.</summary>
    private static bool SignedWith(ReceivedRequest request, string secret)
    {
        var id = request.Headers["webhook-id"];
        var timestamp = long.Parse(request.Headers["webhook-timestamp"], System.Globalization.CultureInfo.InvariantCulture);
        var expected = WebhookSignature.Sign(id, timestamp, request.Body, [secret]);
        return request.Headers["webhook-signature"].Split(' ').Contains(expected);
    }
}
