using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Platform.Data;

/// <summary>
/// The schema's naming rule in one place: every mapped property's column is its name in
/// snake_case (<c>NormalizedUserName</c> → <c>normalized_user_name</c>), as the SQL migrations
/// create them. Tables are named explicitly in each entity's configuration.
/// </summary>
internal static class SnakeCaseNames
{
    public static void Apply(ModelBuilder builder)
    {
        foreach (var entity in builder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }
        }
    }

    public static string ToSnakeCase(string name)
    {
        var result = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
            {
                result.Append('_');
            }

            result.Append(char.ToLowerInvariant(c));
        }

        return result.ToString();
    }
}
