using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace Platform.Identity.Email;

/// <summary>Where account emails go locally: <c>Email:PickupDirectory</c>, one .eml file per message.</summary>
public sealed class EmailOptions
{
    public const string SectionName = "Email";

    public string PickupDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "platform-mail");

    public string From { get; set; } = "no-reply@platform.local";
}

/// <summary>
/// Writes each message as an RFC 5322 .eml file into the pickup folder (SmtpClient's pickup
/// delivery), the local default: nothing leaves the machine, and tests can read what was sent.
/// </summary>
public sealed class PickupDirectoryEmailSender(IOptions<EmailOptions> options) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        Directory.CreateDirectory(options.Value.PickupDirectory);
        using var client = new SmtpClient
        {
            DeliveryMethod = SmtpDeliveryMethod.SpecifiedPickupDirectory,
            PickupDirectoryLocation = options.Value.PickupDirectory,
        };
        using var mail = new MailMessage(options.Value.From, message.To, message.Subject, message.TextBody)
        {
            // Readable files: codes stay on one line instead of being quoted-printable wrapped.
            BodyEncoding = System.Text.Encoding.UTF8,
            BodyTransferEncoding = System.Net.Mime.TransferEncoding.EightBit,
        };
        await client.SendMailAsync(mail, cancellationToken).ConfigureAwait(false);
    }
}
