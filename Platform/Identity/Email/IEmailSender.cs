namespace Platform.Identity.Email;

/// <summary>A message to one person.</summary>
public sealed record EmailMessage(string To, string Subject, string TextBody);

/// <summary>Sends account emails. The messaging module replaces this with templated, branded mail.</summary>
public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default);
}
