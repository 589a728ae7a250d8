using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using Npgsql;
using Platform.Messaging;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>
/// The failed-messages pages: shown to admins only, an empty state, an unknown message answered as not found, and a real
/// dead letter (the application's own queue, transport and consumer, the failing handler here in the test) inspected,
/// replayed from the page and then handled by the consumer.
/// </summary>
[TestClass]
public sealed class DeadLettersTests
{
    /// <summary>The queue of this test's messages: only its own consumer reads it.</summary>
    private const string Queue = "web-tests-replay";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task An_owner_sees_no_failed_messages_and_a_viewer_is_forbidden_the_page()
    {
        var ownerEmail = await Owners.CreateConfirmedAsync("letters");
        var viewerEmail = await Owners.CreateMemberAsync(ownerEmail, "viewer");
        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, ownerEmail);

        await page.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Failed messages" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/dead-letters$"));
        await Expect(page.GetByTestId("dead-letters-empty")).ToBeVisibleAsync();
        await page.GotoAsync($"/dead-letters/{Guid.NewGuid()}");
        await Expect(page).ToHaveURLAsync(new Regex("/not-found"));
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

    [TestMethod]
    public async Task An_owner_inspects_a_failed_message_replays_it_and_its_handler_then_runs()
    {
        var email = await Owners.CreateConfirmedAsync("replay");
        var (api, _) = await Owners.ApiClientAsync(email);
        Guid organizationId;
        using (api)
        {
            organizationId = (await api.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/account")).GetProperty("organizationId").GetGuid();
        }

        await using var dataSource = NpgsqlDataSource.Create(WholeApplication.DatabaseConnectionString);
        var transport = new PostgresQueueTransport(dataSource, NullLogger<PostgresQueueTransport>.Instance);
        // Two attempts, the retry due at once: the message is dead within two rounds.
        var options = Options.Create(new MessagingOptions { MaxAttempts = 2, FirstRetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(1) });
        var consumer = new MessageConsumer(Queue, Queue, transport, dataSource, options, NullLogger<MessageConsumer>.Instance);
        var messageId = Guid.CreateVersion7();
        var invoiceId = Guid.NewGuid();
        var payload = $$"""{"invoiceId":"{{invoiceId}}","amount":42}""";
        await transport.SendAsync(Queue, [new OutgoingMessage(messageId, organizationId, "invoice.export_requested", payload)]);

        var failures = 0;
        await RoundsAsync(consumer, (_, _, _) =>
        {
            failures++;
            throw new InvalidOperationException("The export service answered 503 Service Unavailable.");
        }, () => failures >= 2);

        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, email);
        await page.GotoAsync("/dead-letters");
        var row = page.Locator("tr[data-letter]", new() { HasText = "invoice.export_requested" });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync(Queue);
        await Expect(row).ToContainTextAsync("Not replayed");

        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/dead-letters/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("dead-letter-error")).ToContainTextAsync("503 Service Unavailable");
        await Expect(page.GetByTestId("dead-letter-payload")).ToContainTextAsync("\"amount\": 42");
        await Expect(page.GetByTestId("dead-letter")).ToContainTextAsync(messageId.ToString());
        await WholeApplication.ScreenshotAsync(page, TestContext, "dead-letter-inspected");

        await page.GetByTestId("replay").ClickAsync();
        await Expect(page.GetByTestId("dead-letter-notice")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("replay")).ToHaveCountAsync(0);

        // Back on its queue under the same id: the consumer, fixed, now handles it once.
        var handled = new ConcurrentBag<ReceivedMessage>();
        await RoundsAsync(consumer, (message, _, _) =>
        {
            handled.Add(message);
            return Task.CompletedTask;
        }, () => !handled.IsEmpty);
        var again = handled.Single();
        Assert.AreEqual(messageId, again.MessageId);
        // Stored as jsonb: the same document, perhaps spaced differently.
        using var replayed = System.Text.Json.JsonDocument.Parse(again.Payload);
        Assert.AreEqual(invoiceId, replayed.RootElement.GetProperty("invoiceId").GetGuid());
        Assert.AreEqual(42, replayed.RootElement.GetProperty("amount").GetInt32());

        await page.GotoAsync("/dead-letters");
        await Expect(row).ToContainTextAsync("Replayed");
        await Expect(page.Locator("tr[data-letter]")).ToHaveCountAsync(1);
        await page.Context.CloseAsync();
    }

    /// <summary>Lets the consumer claim from the queue until <paramref name="done"/> (at most half a minute).</summary>
    private static async Task RoundsAsync(MessageConsumer consumer, MessageHandler handler, Func<bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!done() && DateTime.UtcNow < deadline)
        {
            if (await consumer.ProcessOnceAsync(handler) == 0)
            {
                await Task.Delay(200);
            }
        }

        Assert.IsTrue(done(), "the consumer got the message in time");
    }
}
