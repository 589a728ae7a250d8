using System.Buffers.Text;
using System.Text;

namespace Platform.Data.Paging;

/// <summary>One page of a list, and the cursor for the next one (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// The one pagination style of the API: an opaque cursor over a stable sort key (a timestamp and
/// an id to break ties), and a limit between 1 and <see cref="MaxLimit"/>.
/// </summary>
public static class Cursor
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static string Encode(DateTimeOffset at, Guid id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{at.UtcTicks}:{id:N}"));

    /// <summary>Decodes a cursor made by <see cref="Encode"/>; false for anything else.</summary>
    public static bool TryDecode(string? cursor, out DateTimeOffset at, out Guid id)
    {
        at = default;
        id = default;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 100)
        {
            return false;
        }

        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split(':');
            if (parts.Length == 2 && long.TryParse(parts[0], out var ticks) && ticks >= 0 && ticks <= DateTimeOffset.MaxValue.UtcTicks && Guid.TryParseExact(parts[1], "N", out id))
            {
                at = new DateTimeOffset(ticks, TimeSpan.Zero);
                return true;
            }
        }
        catch (FormatException)
        {
        }

        return false;
    }

    /// <summary>The limit to use, or null when the requested one is out of range.</summary>
    public static int? Limit(int? requested) => requested switch
    {
        null => DefaultLimit,
        >= 1 and <= MaxLimit => requested,
        _ => null,
    };
}
