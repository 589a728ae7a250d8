using System.Net;
using System.Net.Mail;
using System.Net.Mime;
using System.Text;
using Microsoft.Extensions.Options;

namespace Platform.Email;

/// <summary>One rendered email to one recipient.</summary>
public sealed record OutgoingEmail(string To, string Subject, string Html, string Text);

/// <summary>Hands a rendered email to the mail system; throws when it was not accepted (the caller retries).</summary>
public interface IEmailTransport
{
    Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="SmtpClient"/> (System.Net.Mail) as configured under <c>Email</c>: to an SMTP server (<c>Email:Delivery = smtp</c>,
/// <c>Email:Smtp:*</c>), or into <c>Email:PickupDirectory</c> as one .eml file per message (the local default). Each
/// email is multipart/alternative: the plain-text part first, the HTML part last (the one clients prefer).
/// </summary>
public sealed class SmtpEmailTransport(IOptions<EmailOptions> options) : IEmailTransport
{
    public async Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(email);
        var settings = options.Value;
        var pickup = !string.Equals(settings.Delivery, "smtp", StringComparison.OrdinalIgnoreCase);
        using var client = pickup ? PickupClient(settings) : NetworkClient(settings.Smtp);
        using var message = Build(settings, email, pickup);
        await client.SendMailAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The MIME message. Pickup files stay readable (8-bit: codes on one line); SMTP gets quoted-printable, safe through any relay.</summary>
    internal static MailMessage Build(EmailOptions settings, OutgoingEmail email, bool eightBit)
    {
        var from = string.IsNullOrWhiteSpace(settings.FromName) ? new MailAddress(settings.From) : new MailAddress(settings.From, settings.FromName, Encoding.UTF8);
        var message = new MailMessage { From = from, Subject = email.Subject, SubjectEncoding = Encoding.UTF8, HeadersEncoding = Encoding.UTF8 };
        try
        {
            message.To.Add(new MailAddress(email.To));
            var encoding = eightBit ? TransferEncoding.EightBit : TransferEncoding.QuotedPrintable;
            var text = AlternateView.CreateAlternateViewFromString(email.Text, Encoding.UTF8, MediaTypeNames.Text.Plain);
            text.TransferEncoding = encoding;
            var html = AlternateView.CreateAlternateViewFromString(email.Html, Encoding.UTF8, MediaTypeNames.Text.Html);
            html.TransferEncoding = encoding;
            message.AlternateViews.Add(text);
            message.AlternateViews.Add(html);
            return message;
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    private static SmtpClient PickupClient(EmailOptions settings)
    {
        Directory.CreateDirectory(settings.PickupDirectory);
        return new SmtpClient
        {
            DeliveryMethod = SmtpDeliveryMethod.SpecifiedPickupDirectory,
            PickupDirectoryLocation = settings.PickupDirectory,
        };
    }

    private static SmtpClient NetworkClient(SmtpSettings smtp)
    {
        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            throw new InvalidOperationException("Email:Delivery is 'smtp' but Email:Smtp:Host is not set.");
        }

        var client = new SmtpClient(smtp.Host, smtp.Port)
        {
            DeliveryMethod = SmtpDeliveryMethod.Network,
            EnableSsl = smtp.EnableSsl,
            Timeout = (int)Math.Clamp(smtp.Timeout.TotalMilliseconds, 1000, int.MaxValue),
        };
        if (!string.IsNullOrEmpty(smtp.UserName))
        {
            client.Credentials = new NetworkCredential(smtp.UserName, smtp.Password);
        }

        return client;
    }
}
