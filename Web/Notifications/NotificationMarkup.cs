using System.Globalization;
using System.Text.Encodings.Web;
using Web.Clients;

namespace Web.Notifications;

/// <summary>
/// The HTML of the unread badge and of one inbox entry, shared by the pages and the live stream
/// (an SSE data line: one line, every value encoded).
/// </summary>
public static class NotificationMarkup
{
    public static string Badge(long unread) =>
        $"<span class=\"unread-count\" data-unread=\"{unread.ToString(CultureInfo.InvariantCulture)}\" data-testid=\"unread-count\">{unread.ToString(CultureInfo.CurrentCulture)}</span>";

    public static string Item(InboxItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var html = HtmlEncoder.Default;
        var title = SafeLink(item.Link) is { } link
            ? $"<a href=\"{html.Encode(link)}\">{html.Encode(item.Title)}</a>"
            : $"<strong>{html.Encode(item.Title)}</strong>";
        var body = string.IsNullOrWhiteSpace(item.Body) ? "" : $"<p>{html.Encode(item.Body.ReplaceLineEndings(" "))}</p>";
        var time = $"<time datetime=\"{item.CreatedAt.ToString("O", CultureInfo.InvariantCulture)}\">{html.Encode(item.CreatedAt.ToLocalTime().ToString("g", CultureInfo.CurrentCulture))}</time>";
        return $"<li class=\"inbox-item{(item.ReadAt is null ? " unread" : "")}\" data-notification=\"{item.Id}\">{title}{body}{time}</li>";
    }

    /// <summary>A path inside the front end, or an http(s) address: never a script URL from a notification.</summary>
    public static string? SafeLink(string? link) =>
        link switch
        {
            null or "" => null,
            _ when link.StartsWith('/') && !link.StartsWith("//", StringComparison.Ordinal) => link,
            _ when Uri.TryCreate(link, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" => uri.ToString(),
            _ => null,
        };
}
