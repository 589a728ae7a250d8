using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Platform.Email;

/// <summary>Registers the email module.</summary>
public static class EmailServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="EmailService"/> (queue and send templated email), the default <see cref="EmailTemplateCatalogue"/>
    /// and <see cref="EmailRenderer"/>, the <see cref="IEmailTransport"/> chosen by <c>Email:Delivery</c> (pickup folder
    /// by default, or SMTP), <see cref="EmailDispatcher"/>, <see cref="EmailQueueConsumer"/>, <see cref="EmailLog"/> and
    /// (scoped) <see cref="EmailTemplateManager"/>, with <see cref="EmailOptions"/> bound from <c>Email</c>. Needs the
    /// platform database; running more than once adds nothing.
    /// </summary>
    public static IHostApplicationBuilder AddEmail(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(s => s.ServiceType == typeof(EmailService)))
        {
            return builder;
        }

        builder.Services.AddOptions<EmailOptions>()
            .BindConfiguration(EmailOptions.SectionName)
            .Validate(o => o.Delivery is not null && (o.Delivery.Equals("pickup", StringComparison.OrdinalIgnoreCase) || o.Delivery.Equals("smtp", StringComparison.OrdinalIgnoreCase)),
                "Email:Delivery must be 'pickup' or 'smtp'.")
            .Validate(o => !o.Delivery.Equals("smtp", StringComparison.OrdinalIgnoreCase) || !string.IsNullOrWhiteSpace(o.Smtp.Host), "Email:Delivery is 'smtp': set Email:Smtp:Host.")
            .Validate(o => System.Net.Mail.MailAddress.TryCreate(o.From, out _), "Email:From must be an email address.")
            .Validate(o => o.MaxAttempts >= 1, "Email:MaxAttempts must be at least 1.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(EmailTemplateCatalogue.Default);
        builder.Services.TryAddSingleton<EmailRenderer>();
        builder.Services.TryAddSingleton<IEmailTransport, SmtpEmailTransport>();
        builder.Services.TryAddSingleton<EmailDispatcher>();
        builder.Services.TryAddSingleton<EmailService>();
        builder.Services.TryAddSingleton<EmailQueueConsumer>();
        builder.Services.TryAddSingleton<EmailLog>();
        builder.Services.TryAddScoped<EmailTemplateManager>();
        return builder;
    }
}
