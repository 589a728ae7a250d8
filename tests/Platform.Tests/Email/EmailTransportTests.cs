using System.Net.Mail;
using Microsoft.Extensions.Options;
using Platform.Email;
using TestKit;

namespace Platform.Tests.Email;

/// <summary>What leaves the platform: multipart/alternative mail into the pickup folder, or spoken over SMTP.</summary>
[TestClass]
public sealed class EmailTransportTests
{
    private static readonly OutgoingEmail Email = new("amal@example.test", "Réinitialisez votre mot de passe", "<!DOCTYPE html><html lang=\"fr\"><body><p>Bonjour Amal,</p></body></html>", "Bonjour Amal,\n\ncode: abc123\n");

    [TestMethod]
    public async Task The_pickup_folder_gets_one_readable_multipart_alternative_file_per_email()
    {
        var folder = Path.Combine(TestEnvironment.Root, "mail", "transport-" + Guid.NewGuid().ToString("N")[..8]);
        var transport = new SmtpEmailTransport(Options.Create(new EmailOptions { PickupDirectory = folder, From = "no-reply@acme.test", FromName = "Acme" }));

        await transport.SendAsync(Email);

        var file = Directory.GetFiles(folder, "*.eml").Single();
        var text = await File.ReadAllTextAsync(file);
        StringAssert.Contains(text, "To: amal@example.test");
        StringAssert.Contains(text, "Content-Type: multipart/alternative");
        StringAssert.Contains(text, "code: abc123", "8-bit parts keep codes readable");
        Assert.IsLessThan(text.IndexOf("Content-Type: text/html", StringComparison.Ordinal), text.IndexOf("Content-Type: text/plain", StringComparison.Ordinal), "plain text first, HTML last");
        StringAssert.Contains(text, "Bonjour Amal,</p>");
    }

    [TestMethod]
    public async Task Smtp_delivery_speaks_smtp_to_the_configured_server()
    {
        await using var server = new LoopbackSmtpServer();
        var transport = new SmtpEmailTransport(Options.Create(new EmailOptions
        {
            Delivery = "smtp",
            From = "no-reply@acme.test",
            Smtp = new SmtpSettings { Host = "127.0.0.1", Port = server.Port, EnableSsl = false, Timeout = TimeSpan.FromSeconds(10) },
        }));

        await transport.SendAsync(Email);

        var (from, to, data) = server.Messages.Single();
        Assert.AreEqual("<no-reply@acme.test>", from);
        CollectionAssert.AreEqual(new[] { "<amal@example.test>" }, to);
        StringAssert.Contains(data, "Content-Type: multipart/alternative");
        StringAssert.Contains(data, "Content-Type: text/plain; charset=utf-8");
        StringAssert.Contains(data, "Content-Type: text/html; charset=utf-8");
        StringAssert.Contains(data, "Content-Transfer-Encoding: quoted-printable");
        Assert.IsTrue(server.Commands.Any(c => c.StartsWith("EHLO ", StringComparison.Ordinal)), string.Join('\n', server.Commands));
    }

    [TestMethod]
    public async Task A_refusing_server_is_an_smtp_error_for_the_caller_to_retry()
    {
        await using var server = new LoopbackSmtpServer { RefuseRecipientsWith = "450 4.2.1 Mailbox busy, try later" };
        var transport = new SmtpEmailTransport(Options.Create(new EmailOptions
        {
            Delivery = "smtp",
            Smtp = new SmtpSettings { Host = "127.0.0.1", Port = server.Port, EnableSsl = false, Timeout = TimeSpan.FromSeconds(10) },
        }));

        var error = await Assert.ThrowsAsync<SmtpException>(() => transport.SendAsync(Email));

        Assert.IsEmpty(server.Messages);
        StringAssert.Contains(error.ToString(), "Mailbox busy");
    }
}
