namespace Platform.Email;

/// <summary>How emails are sent and branded (section <c>Email</c>).</summary>
public sealed class EmailOptions
{
    public const string SectionName = "Email";

    /// <summary><c>pickup</c> (default: one .eml file per message in <see cref="PickupDirectory"/>, nothing leaves the machine) or <c>smtp</c>.</summary>
    public string Delivery { get; set; } = "pickup";

    /// <summary>Where <c>pickup</c> delivery writes its .eml files.</summary>
    public string PickupDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "platform-mail");

    /// <summary>The sender address of every email.</summary>
    public string From { get; set; } = "no-reply@platform.local";

    /// <summary>The sender's display name; none when empty.</summary>
    public string? FromName { get; set; }

    /// <summary>The SMTP server, used when <see cref="Delivery"/> is <c>smtp</c>.</summary>
    public SmtpSettings Smtp { get; set; } = new();

    /// <summary>The culture of an email whose request names none and whose caller's UI culture is not supported.</summary>
    public string DefaultCulture { get; set; } = "en";

    /// <summary>The brand of platform emails (no organization) and the fallback name.</summary>
    public string ProductName { get; set; } = "Business Platform";

    /// <summary>The logo of platform emails, and of organizations that set none (absolute http(s) URL); none when empty.</summary>
    public string? LogoUrl { get; set; }

    /// <summary>The header and button colour of organizations that set none (#rrggbb).</summary>
    public string PrimaryColor { get; set; } = "#2563eb";

    /// <summary>The web front end's address, for absolute links in emails (notifications, alerts); links are left out when empty.</summary>
    public string? AppBaseUrl { get; set; }

    /// <summary>Deliveries of a queued email before it is marked failed and dead-lettered.</summary>
    public int MaxAttempts { get; set; } = 5;
}

/// <summary>An SMTP server (<c>Email:Smtp</c>). <c>System.Net.Mail.SmtpClient</c> speaks STARTTLS, not implicit TLS: use port 587 (or 25), not 465.</summary>
public sealed class SmtpSettings
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>Sign in with these when set (AUTH over the TLS connection).</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>Upgrade the connection with STARTTLS before sending (required by every public relay).</summary>
    public bool EnableSsl { get; set; } = true;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
