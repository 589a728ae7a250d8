using Npgsql;

namespace Platform.Email;

/// <summary>An organization's version of a template in one culture; a null part uses the platform's.</summary>
public sealed record EmailTemplateOverride(string TemplateKey, string Culture, string? Subject, string? Html, string? Text, DateTimeOffset UpdatedAt, Guid? UpdatedBy);

/// <summary>SQL over <c>email_template_overrides</c>, in a transaction keyed to the organization (row-level security).</summary>
internal static class EmailTemplateOverrides
{
    public static async Task<EmailTemplateOverride?> GetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, string key, string culture, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            "SELECT template_key, culture, subject, html, text, updated_at, updated_by FROM email_template_overrides WHERE tenant_id = $1 AND template_key = $2 AND culture = $3",
            connection,
            transaction) { Parameters = { new() { Value = tenantId }, new() { Value = key }, new() { Value = culture } } };
        return (await ReadAsync(select, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    public static async Task<IReadOnlyList<EmailTemplateOverride>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            "SELECT template_key, culture, subject, html, text, updated_at, updated_by FROM email_template_overrides WHERE tenant_id = $1 ORDER BY template_key, culture",
            connection,
            transaction) { Parameters = { new() { Value = tenantId } } };
        return await ReadAsync(select, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The default content with the organization's parts in place of the platform's.</summary>
    public static async Task<EmailTemplateContent> EffectiveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, string key, string culture, EmailTemplateContent defaults, CancellationToken cancellationToken)
    {
        var custom = await GetAsync(connection, transaction, tenantId, key, culture, cancellationToken).ConfigureAwait(false);
        return custom is null ? defaults : new EmailTemplateContent(custom.Subject ?? defaults.Subject, custom.Html ?? defaults.Html, custom.Text ?? defaults.Text);
    }

    public static async Task UpsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, string key, string culture, string? subject, string? html, string? text, Guid? actor, CancellationToken cancellationToken)
    {
        await using var upsert = new NpgsqlCommand(
            """
            INSERT INTO email_template_overrides (tenant_id, template_key, culture, subject, html, text, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (tenant_id, template_key, culture) DO UPDATE
                SET subject = excluded.subject, html = excluded.html, text = excluded.text, updated_by = excluded.updated_by, updated_at = now()
            """,
            connection,
            transaction)
        {
            Parameters =
            {
                new() { Value = tenantId }, new() { Value = key }, new() { Value = culture }, new() { Value = (object?)subject ?? DBNull.Value },
                new() { Value = (object?)html ?? DBNull.Value }, new() { Value = (object?)text ?? DBNull.Value }, new() { Value = (object?)actor ?? DBNull.Value },
            },
        };
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<bool> DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, string key, string culture, CancellationToken cancellationToken)
    {
        await using var delete = new NpgsqlCommand("DELETE FROM email_template_overrides WHERE tenant_id = $1 AND template_key = $2 AND culture = $3", connection, transaction)
        {
            Parameters = { new() { Value = tenantId }, new() { Value = key }, new() { Value = culture } },
        };
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    private static async Task<List<EmailTemplateOverride>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<EmailTemplateOverride>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new EmailTemplateOverride(
                reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetGuid(6)));
        }

        return rows;
    }
}
