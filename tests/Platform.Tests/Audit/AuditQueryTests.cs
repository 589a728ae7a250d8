using System.Text;
using Platform.Audit;

namespace Platform.Tests.Audit;

[TestClass]
public sealed class AuditQueryTests
{
    private static readonly DateTimeOffset Start = new DateTimeOffset(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1, 0, 0, 0, TimeSpan.Zero).AddHours(1);

    [TestMethod]
    public async Task Filters_select_by_actor_action_resource_time_and_security()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_filters");
        var tenant = Guid.NewGuid();
        var alice = Guid.NewGuid();
        var clock = new ManualClock(Start);
        var writer = new AuditWriter(clock);
        AuditEntry[] entries =
        [
            new(tenant, AuditActorType.User, alice, "customer.created", "customer", "c1"),
            new(tenant, AuditActorType.User, alice, "customer.updated", "customer", "c1"),
            new(tenant, AuditActorType.ApiKey, Guid.NewGuid(), "invoice.created", "invoice", "i1"),
            new(tenant, AuditActorType.System, null, "login.failed", "user", "u1", IsSecurityEvent: true),
            new(tenant, AuditActorType.User, alice, "customer.updated", "customer", "c2"),
        ];
        foreach (var entry in entries)
        {
            await db.AppendAsync(writer, tenant, entry);
            clock.Now = clock.Now.AddMinutes(1);
        }

        var query = new AuditQuery(db.App);
        async Task<string[]> Find(AuditFilter filter) =>
            [.. (await query.ListAsync(tenant, filter)).Items.Select(r => $"{r.Action}:{r.ResourceId}")];

        CollectionAssert.AreEqual(new[] { "customer.updated:c2", "customer.updated:c1", "customer.created:c1" }, await Find(new() { ActorId = alice }));
        CollectionAssert.AreEqual(new[] { "invoice.created:i1" }, await Find(new() { ActorType = AuditActorType.ApiKey }));
        CollectionAssert.AreEqual(new[] { "customer.updated:c2", "customer.updated:c1" }, await Find(new() { Action = "customer.updated" }));
        CollectionAssert.AreEqual(new[] { "customer.updated:c1", "customer.created:c1" }, await Find(new() { ResourceType = "customer", ResourceId = "c1" }));
        CollectionAssert.AreEqual(new[] { "login.failed:u1", "invoice.created:i1" }, await Find(new() { From = Start.AddMinutes(2), To = Start.AddMinutes(4) }));
        CollectionAssert.AreEqual(new[] { "login.failed:u1" }, await Find(new() { SecurityOnly = true }));
        Assert.IsEmpty(await Find(new() { ActorId = alice, SecurityOnly = true }));
    }

    [TestMethod]
    public async Task Pages_return_every_row_once_newest_first()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_pages");
        var tenant = Guid.NewGuid();
        // Three entries per instant, so the id must break ties between equal times.
        var clock = new ManualClock(Start);
        var writer = new AuditWriter(clock);
        var written = new List<AuditRecord>();
        for (var i = 0; i < 25; i++)
        {
            written.AddRange(await db.AppendAsync(writer, tenant, Entries.Update(tenant, $"r{i}", i)));
            clock.Now = i % 3 == 2 ? clock.Now.AddSeconds(1) : clock.Now;
        }

        var other = Guid.NewGuid();
        await db.AppendAsync(writer, other, Entries.Update(other, "other tenant", 0));
        var query = new AuditQuery(db.App);
        var seen = new List<AuditRecord>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await query.ListAsync(tenant, new AuditFilter(), cursor, limit: 10);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.AreEqual(3, pages);
        CollectionAssert.AreEqual(
            written.OrderByDescending(r => r.OccurredAt).ThenByDescending(r => r.Id).Select(r => r.Id).ToArray(),
            seen.Select(r => r.Id).ToArray());
    }

    [TestMethod]
    public async Task A_page_holds_at_most_two_hundred_rows()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_cap");
        var tenant = Guid.NewGuid();
        await db.AppendAsync(new AuditWriter(TimeProvider.System), tenant, [.. Enumerable.Range(0, 205).Select(i => Entries.Update(tenant, $"r{i}", i))]);

        var page = await new AuditQuery(db.App).ListAsync(tenant, new AuditFilter(), limit: 1000);

        Assert.HasCount(AuditQuery.MaxPageSize, page.Items);
        Assert.IsNotNull(page.NextCursor);
    }

    [TestMethod]
    [DataRow("not a cursor")]
    [DataRow("AAAA")]
    public async Task A_cursor_that_was_not_issued_is_refused(string cursor)
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_badcursor");

        var error = await Assert.ThrowsExactlyAsync<ArgumentException>(() => new AuditQuery(db.App).ListAsync(Guid.NewGuid(), new AuditFilter(), cursor));

        StringAssert.Contains(error.Message, "cursor is not valid");
    }

    [TestMethod]
    public async Task The_csv_export_escapes_cells_and_neutralizes_formulas()
    {
        await using var db = await AuditTestDatabase.CreateAsync("audit_csv");
        var tenant = Guid.NewGuid();
        var writer = new AuditWriter(new ManualClock(Start));
        await db.AppendAsync(writer, tenant, new AuditEntry(
            tenant, AuditActorType.User, null, "=HYPERLINK(\"http://evil\")", "customer", "-2+3", UserAgent: "Agent, \"quoted\"\nsecond line", TraceId: "@trace"));
        await db.AppendAsync(writer, tenant, new AuditEntry(tenant, AuditActorType.System, null, "+cmd", "plain"));
        var output = new StringWriter();

        var rows = await new AuditQuery(db.App).WriteCsvAsync(tenant, new AuditFilter(), output);
        var table = ParseCsv(output.ToString());

        Assert.AreEqual(2, rows);
        Assert.HasCount(3, table);
        var header = table[0];
        Assert.AreEqual("'=HYPERLINK(\"http://evil\")", table[2][header.IndexOf("action")]);
        Assert.AreEqual("'-2+3", table[2][header.IndexOf("resource_id")]);
        Assert.AreEqual("Agent, \"quoted\"\nsecond line", table[2][header.IndexOf("user_agent")]);
        Assert.AreEqual("'@trace", table[2][header.IndexOf("trace_id")]);
        Assert.AreEqual("'+cmd", table[1][header.IndexOf("action")]);
        Assert.AreEqual(Start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'"), table[1][header.IndexOf("occurred_at")]);
    }

    [TestMethod]
    [DataRow(null, "")]
    [DataRow("plain", "plain")]
    [DataRow("a,b", "\"a,b\"")]
    [DataRow("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [DataRow("two\r\nlines", "\"two\r\nlines\"")]
    [DataRow("=1+1", "'=1+1")]
    [DataRow("+1", "'+1")]
    [DataRow("-1", "'-1")]
    [DataRow("@SUM(A1)", "'@SUM(A1)")]
    [DataRow("\tcmd", "'\tcmd")]
    [DataRow("=a,b", "\"'=a,b\"")]
    [DataRow("a=b", "a=b")]
    public void A_cell_is_quoted_when_needed_and_never_starts_a_formula(string? value, string expected) =>
        Assert.AreEqual(expected, AuditCsv.Escape(value));

    /// <summary>A strict RFC 4180 reader: what a spreadsheet would see.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(cell.ToString());
                cell.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(cell.ToString());
                cell.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else
            {
                cell.Append(c);
            }
        }

        Assert.AreEqual(0, cell.Length + row.Count, "the export ends with a line break");
        return rows;
    }
}
