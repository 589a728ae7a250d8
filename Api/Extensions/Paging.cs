using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Data.Paging;

namespace Api.Extensions;

/// <summary>Reads <c>?limit=&amp;cursor=</c> the same way on every list endpoint.</summary>
internal static class Paging
{
    public readonly record struct Request(int Limit, DateTimeOffset? After, Guid? AfterId);

    /// <summary>The page request, or a validation problem naming the bad parameter.</summary>
    public static bool TryRead(int? limit, string? cursor, out Request request, out ValidationProblem problem)
    {
        request = default;
        problem = null!;
        var errors = new Dictionary<string, string[]>();
        if (Cursor.Limit(limit) is not { } size)
        {
            errors["limit"] = [$"Use a limit between 1 and {Cursor.MaxLimit}."];
            size = 0;
        }

        DateTimeOffset? after = null;
        Guid? afterId = null;
        if (cursor is not null)
        {
            if (Cursor.TryDecode(cursor, out var at, out var id))
            {
                (after, afterId) = (at, id);
            }
            else
            {
                errors["cursor"] = ["This cursor was not issued by this list; start again without one."];
            }
        }

        if (errors.Count > 0)
        {
            problem = TypedResults.ValidationProblem(errors);
            return false;
        }

        request = new Request(size, after, afterId);
        return true;
    }

    /// <summary>
    /// One page of <paramref name="rows"/>, fetched one beyond the limit: a row past it means there is a next page,
    /// whose cursor is the last item's position.
    /// </summary>
    public static Page<TResponse> ToPage<TRow, TResponse>(
        IReadOnlyList<TRow> rows, Request page, Func<TRow, TResponse> map, Func<TResponse, (DateTimeOffset At, Guid Id)> position)
    {
        var items = rows.Take(page.Limit).Select(map).ToList();
        var next = rows.Count > page.Limit && position(items[^1]) is var (at, id) ? Cursor.Encode(at, id) : null;
        return new Page<TResponse>(items, next);
    }
}
