namespace Web.Access;

/// <summary>One entry of the side navigation: shown only to users who hold <see cref="Permission"/> (null: every signed-in user).</summary>
public sealed record NavigationItem(string Href, string TextKey, string? Permission, string Section);

/// <summary>
/// The side navigation, in order. A new page adds one line here (its address, the resource key of
/// its name, the permission its page requires), and the layout shows it to those who may use it.
/// </summary>
public static class NavigationCatalogue
{
    public const string Workspace = "Nav.Section.Workspace";
    public const string Organization = "Nav.Section.Organization";
    public const string MyAccount = "Nav.Section.Account";

    public static IReadOnlyList<NavigationItem> Items { get; } =
    [
        new("/", "Nav.Home", null, Workspace),
        new("/notifications", "Nav.Notifications", null, Workspace),
        new("/workflows", "Nav.Workflows", Platform.Access.Permissions.Workflows.Read, Workspace),
        new("/users", "Nav.Users", Platform.Access.Permissions.Users.Read, Organization),
        new("/roles", "Nav.Roles", Platform.Access.Permissions.Roles.Read, Organization),
        new("/organizations", "Nav.Organizations", null, Organization),
        new("/organization/settings", "Nav.OrganizationSettings", Platform.Access.Permissions.Organization.Update, Organization),
        new("/api-keys", "Nav.ApiKeys", Platform.Access.Permissions.ApiKeys.Read, Organization),
        new("/webhooks", "Nav.Webhooks", Platform.Access.Permissions.Webhooks.Read, Organization),
        new("/dead-letters", "Nav.DeadLetters", Platform.Access.Permissions.Messaging.DeadLettersRead, Organization),
        new("/security", "Nav.SecurityDashboard", Platform.Access.Permissions.Security.Read, Organization),
        new("/audit", "Nav.Audit", Platform.Access.Permissions.Audit.Read, Organization),
        new("/account", "Nav.Profile", null, MyAccount),
        new("/account/password", "Nav.Password", null, MyAccount),
        new("/account/security", "Nav.Security", null, MyAccount),
        new("/account/sessions", "Nav.Sessions", null, MyAccount),
        new("/account/notifications", "Nav.NotificationPreferences", null, MyAccount),
        new("/account/language", "Nav.Language", null, MyAccount),
    ];
}
