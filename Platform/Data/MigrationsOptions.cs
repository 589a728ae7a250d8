namespace Platform.Data;

/// <summary>
/// Bound from the <c>Migrations</c> section. Locally the AppHost applies migrations before any
/// service starts; where no AppHost runs (Azure), Workers set <c>Migrations:ApplyOnStart</c>.
/// </summary>
public sealed class MigrationsOptions
{
    public const string SectionName = "Migrations";

    /// <summary>Apply pending migrations while the service starts (safe with many replicas: advisory lock).</summary>
    public bool ApplyOnStart { get; set; }

    /// <summary>
    /// The connection used to migrate: <c>ConnectionStrings:{name}</c>. It needs a role that may
    /// change the schema; defaults to the platform database's own connection.
    /// </summary>
    public string ConnectionName { get; set; } = DatabaseExtensions.ConnectionName;
}
