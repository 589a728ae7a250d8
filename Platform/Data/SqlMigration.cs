using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Platform.Data;

/// <summary>
/// One versioned SQL migration file, named <c>V{version}__{description}.sql</c>
/// (e.g. <c>V0001__baseline.sql</c>). Its checksum guards against edits after it was applied.
/// </summary>
public sealed partial record SqlMigration(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the script with line endings normalised, so a checkout's CRLF does not count as an edit.</summary>
    /// <remarks>Computed from <see cref="Sql"/> on read, so a copy made with <c>with</c> never carries a stale value.</remarks>
    public string Checksum => Convert.ToHexString(
        SHA256.HashData(Encoding.UTF8.GetBytes(Sql.Replace("\r\n", "\n", StringComparison.Ordinal)))).ToLowerInvariant();

    /// <summary>The platform's own migrations, embedded in this assembly from Data/Migrations.</summary>
    public static IReadOnlyList<SqlMigration> Embedded() => FromAssembly(typeof(SqlMigration).Assembly, "migrations/");

    /// <summary>Reads embedded resources whose logical names start with <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<SqlMigration> FromAssembly(Assembly assembly, string prefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var migrations = new List<SqlMigration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(Parse(resource[prefix.Length..], reader.ReadToEnd()));
        }

        return Ordered(migrations);
    }

    /// <summary>Reads every <c>*.sql</c> file in a folder.</summary>
    public static IReadOnlyList<SqlMigration> FromDirectory(string directory) =>
        Ordered(Directory.GetFiles(directory, "*.sql").Select(f => Parse(Path.GetFileName(f), File.ReadAllText(f))).ToList());

    /// <summary>Parses a file name into version and description; a malformed name is a clear error.</summary>
    public static SqlMigration Parse(string fileName, string sql)
    {
        var match = FileNamePattern().Match(fileName);
        if (!match.Success)
        {
            throw new MigrationException($"Migration file '{fileName}' is not named V<number>__<description>.sql (e.g. V0002__add_invoices.sql).");
        }

        return new SqlMigration(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, sql);
    }

    private static List<SqlMigration> Ordered(List<SqlMigration> migrations)
    {
        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new MigrationException($"Two migrations share version {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}.");
        }

        return [.. migrations.OrderBy(m => m.Version)];
    }

    [GeneratedRegex(@"^V(\d+)__([A-Za-z0-9_\-]+)\.sql$")]
    private static partial Regex FileNamePattern();
}
