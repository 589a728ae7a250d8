using System.Globalization;
using System.Text;

namespace Platform.Audit;

/// <summary>RFC 4180 CSV for the audit export, safe to open in a spreadsheet.</summary>
internal static class AuditCsv
{
    public const string Header =
        "id,occurred_at,tenant_id,sequence,actor_type,actor_id,action,resource_type,resource_id,ip,user_agent,trace_id,is_security_event,changes,hash";

    public static string Line(AuditRecord row)
    {
        var line = new StringBuilder(256);
        string?[] cells =
        [
            row.Id.ToString(CultureInfo.InvariantCulture),
            row.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            row.TenantId?.ToString(),
            row.Sequence.ToString(CultureInfo.InvariantCulture),
            AuditColumns.ToText(row.ActorType),
            row.ActorId?.ToString(),
            row.Action,
            row.ResourceType,
            row.ResourceId,
            row.Ip?.ToString(),
            row.UserAgent,
            row.TraceId,
            row.IsSecurityEvent ? "true" : "false",
            row.Changes,
            Convert.ToHexStringLower(row.Hash),
        ];
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                line.Append(',');
            }

            line.Append(Escape(cells[i]));
        }

        return line.ToString();
    }

    /// <summary>
    /// Neutralizes spreadsheet formulas (a cell starting with =, +, -, @, tab or carriage return is
    /// prefixed with a quote, per OWASP's CSV injection advice: audit values come from users), then
    /// quotes the cell when it holds a comma, quote or line break, doubling inner quotes.
    /// </summary>
    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
    }
}
