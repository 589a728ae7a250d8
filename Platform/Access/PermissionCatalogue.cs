using System.Collections.Frozen;
using System.Reflection;

namespace Platform.Access;

/// <summary>
/// The permissions declared in <see cref="Permissions"/>, read once by reflection: the constants are the
/// single source of truth, so an endpoint's permission and the catalogue cannot drift apart.
/// </summary>
public static class PermissionCatalogue
{
    /// <summary>Every permission, in declaration order (group by group).</summary>
    public static IReadOnlyList<PermissionDefinition> All { get; } = Read();

    /// <summary>The group names, in declaration order.</summary>
    public static IReadOnlyList<string> Groups { get; } = [.. All.Select(p => p.Group).Distinct()];

    // Declared after All: static initializers run in textual order.
    private static readonly FrozenDictionary<string, PermissionDefinition> ByName =
        All.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>The permission named <paramref name="name"/>, or null when there is none (names are case-sensitive).</summary>
    public static PermissionDefinition? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ByName.GetValueOrDefault(name);
    }

    /// <summary>Whether <paramref name="name"/> is a permission of the catalogue.</summary>
    public static bool Contains(string name) => Find(name) is not null;

    /// <summary>The names among <paramref name="names"/> that are not in the catalogue, sorted and without duplicates.</summary>
    public static IReadOnlyList<string> Unknown(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return [.. names.Where(n => !ByName.ContainsKey(n)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    private static PermissionDefinition[] Read()
    {
        var definitions = new List<PermissionDefinition>();
        foreach (var group in typeof(Permissions).GetNestedTypes(BindingFlags.Public))
        {
            foreach (var field in group.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
            {
                var name = (string)field.GetRawConstantValue()!;
                var attribute = field.GetCustomAttribute<PermissionAttribute>()
                    ?? throw new InvalidOperationException($"Permission constant {group.Name}.{field.Name} ('{name}') has no [Permission] attribute.");
                definitions.Add(new PermissionDefinition(name, name[..Math.Max(0, name.IndexOf('.', StringComparison.Ordinal))], attribute.DisplayName, attribute.Description, attribute.LowestRole));
            }
        }

        // Guard the source of truth itself: a copy-paste slip would otherwise surface as a confusing seeding error.
        var duplicate = definitions.GroupBy(d => d.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Permission '{duplicate.Key}' is declared more than once in {nameof(Permissions)}.");
        }

        return [.. definitions];
    }
}
