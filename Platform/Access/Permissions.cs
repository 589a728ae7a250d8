using System.Diagnostics.CodeAnalysis;

namespace Platform.Access;

/// <summary>
/// Every permission of the platform, one constant per permission, grouped by module so an endpoint
/// reads <c>.RequirePermission(Permissions.Customers.Read)</c>. This class is the single source of truth:
/// <see cref="PermissionCatalogue"/> reads it once by reflection, the seeder writes it to the database,
/// and <see cref="SystemRoles"/> builds the system roles from each permission's lowest role.
/// </summary>
/// <remarks>
/// Names are <c>group.action</c> in snake_case (<c>system.tenants.manage</c> for platform administration).
/// The lowest system role holding each permission follows the hierarchy documented on <see cref="SystemRoles"/>.
/// </remarks>
[SuppressMessage("Design", "CA1034:Nested types should not be visible", Justification = "Groups read as Permissions.Customers.Read at every endpoint.")]
[SuppressMessage("Naming", "CA1724:Type names should not match namespaces", Justification = "Permissions.System mirrors the 'system' group.")]
public static class Permissions
{
    /// <summary>People in the organization.</summary>
    public static class Users
    {
        [Permission(SystemRoleRank.Admin, "View members", "List the organization's members with their roles and status.")]
        public const string Read = "users.read";

        [Permission(SystemRoleRank.Admin, "Invite members", "Invite people to join the organization by email.")]
        public const string Invite = "users.invite";

        [Permission(SystemRoleRank.Admin, "Edit members", "Change a member's profile details within the organization.")]
        public const string Update = "users.update";

        [Permission(SystemRoleRank.Admin, "Remove members", "Remove a member from the organization.")]
        public const string Remove = "users.remove";

        [Permission(SystemRoleRank.Admin, "Lock members", "Lock or unlock a member's access to the organization.")]
        public const string Lock = "users.lock";

        [Permission(SystemRoleRank.Admin, "Reset member MFA", "Reset a member's multi-factor authentication so they can enrol again.")]
        public const string ResetMfa = "users.reset_mfa";
    }

    /// <summary>The organization (tenant) itself.</summary>
    public static class Organization
    {
        [Permission(SystemRoleRank.Viewer, "View organization", "See the organization's name, plan and profile.")]
        public const string Read = "organization.read";

        [Permission(SystemRoleRank.Admin, "Edit organization", "Change the organization's name, profile and MFA requirement.")]
        public const string Update = "organization.update";

        [Permission(SystemRoleRank.Owner, "Delete organization", "Delete the organization and all of its data.")]
        public const string Delete = "organization.delete";

        [Permission(SystemRoleRank.Owner, "Transfer ownership", "Transfer ownership of the organization to another member.")]
        public const string Transfer = "organization.transfer";
    }

    /// <summary>Roles and their assignment to members.</summary>
    public static class Roles
    {
        [Permission(SystemRoleRank.Admin, "View roles", "List system and custom roles with their permissions.")]
        public const string Read = "roles.read";

        [Permission(SystemRoleRank.Admin, "Create roles", "Create custom roles from permissions the actor holds.")]
        public const string Create = "roles.create";

        [Permission(SystemRoleRank.Admin, "Edit roles", "Rename custom roles and change their permissions.")]
        public const string Update = "roles.update";

        [Permission(SystemRoleRank.Admin, "Delete roles", "Delete custom roles; their assignments end with them.")]
        public const string Delete = "roles.delete";

        [Permission(SystemRoleRank.Admin, "Assign roles", "Grant roles to members and take them away.")]
        public const string Assign = "roles.assign";
    }

    /// <summary>API keys for programmatic access.</summary>
    public static class ApiKeys
    {
        [Permission(SystemRoleRank.Admin, "View API keys", "List the organization's API keys, their scopes and last use.")]
        public const string Read = "api_keys.read";

        [Permission(SystemRoleRank.Admin, "Create API keys", "Create scoped, expiring API keys.")]
        public const string Create = "api_keys.create";

        [Permission(SystemRoleRank.Admin, "Rotate API keys", "Replace an API key's secret while keeping its scopes.")]
        public const string Rotate = "api_keys.rotate";

        [Permission(SystemRoleRank.Admin, "Revoke API keys", "Revoke API keys so they stop working at once.")]
        public const string Revoke = "api_keys.revoke";
    }

    /// <summary>The organization's audit trail.</summary>
    public static class Audit
    {
        [Permission(SystemRoleRank.Admin, "View audit log", "Browse and filter the organization's audit log.")]
        public const string Read = "audit.read";

        [Permission(SystemRoleRank.Admin, "Export audit log", "Export audit log entries as CSV.")]
        public const string Export = "audit.export";

        [Permission(SystemRoleRank.Admin, "Verify audit chain", "Verify the audit log's hash chain for tampering.")]
        public const string Verify = "audit.verify";

        [Permission(SystemRoleRank.Admin, "Compliance reports", "Produce access review and login activity reports.")]
        public const string Reports = "audit.reports";
    }

    /// <summary>Security monitoring and policies.</summary>
    public static class Security
    {
        [Permission(SystemRoleRank.Admin, "View security dashboard", "See failed logins, lockouts, violations and alerts.")]
        public const string Read = "security.read";

        [Permission(SystemRoleRank.Admin, "Manage IP rules", "Edit the organization's IP allow and deny lists.")]
        public const string ManageIpRules = "security.manage_ip_rules";

        [Permission(SystemRoleRank.Admin, "Manage security alerts", "Configure alert routing by severity and acknowledge alerts.")]
        public const string ManageAlerts = "security.manage_alerts";

        [Permission(SystemRoleRank.Admin, "Manage security policies", "Set password, lockout, session and MFA policies.")]
        public const string ManagePolicies = "security.manage_policies";

        [Permission(SystemRoleRank.Admin, "Revoke sessions", "List members' sessions and revoke them.")]
        public const string RevokeSessions = "security.revoke_sessions";
    }

    /// <summary>The organization's own plan and payments to the platform.</summary>
    public static class Billing
    {
        [Permission(SystemRoleRank.Owner, "View billing", "See the plan, quotas, usage and the platform's invoices.")]
        public const string Read = "billing.read";

        [Permission(SystemRoleRank.Owner, "Change plan", "Upgrade, downgrade or cancel the organization's plan.")]
        public const string ManagePlan = "billing.manage_plan";

        [Permission(SystemRoleRank.Owner, "Manage payment methods", "Add, replace and remove the organization's payment methods.")]
        public const string ManagePaymentMethods = "billing.manage_payment_methods";

        [Permission(SystemRoleRank.Owner, "Manage billing contacts", "Set who receives billing emails and invoices.")]
        public const string ManageContacts = "billing.manage_contacts";
    }

    /// <summary>The organization's customers (business data).</summary>
    public static class Customers
    {
        [Permission(SystemRoleRank.Viewer, "View customers", "See customers and their details.")]
        public const string Read = "customers.read";

        [Permission(SystemRoleRank.Member, "Create customers", "Add customers.")]
        public const string Create = "customers.create";

        [Permission(SystemRoleRank.Member, "Edit customers", "Change customers' details.")]
        public const string Update = "customers.update";

        [Permission(SystemRoleRank.Manager, "Delete customers", "Delete customers.")]
        public const string Delete = "customers.delete";

        [Permission(SystemRoleRank.Manager, "Export customers", "Export customers as CSV.")]
        public const string Export = "customers.export";

        [Permission(SystemRoleRank.Manager, "Import customers", "Import customers in bulk from CSV.")]
        public const string Import = "customers.import";
    }

    /// <summary>Customers' subscriptions (business data).</summary>
    public static class Subscriptions
    {
        [Permission(SystemRoleRank.Viewer, "View subscriptions", "See subscriptions and their history.")]
        public const string Read = "subscriptions.read";

        [Permission(SystemRoleRank.Member, "Create subscriptions", "Start subscriptions for customers.")]
        public const string Create = "subscriptions.create";

        [Permission(SystemRoleRank.Member, "Edit subscriptions", "Change a subscription's plan, quantity or renewal.")]
        public const string Update = "subscriptions.update";

        [Permission(SystemRoleRank.Manager, "Cancel subscriptions", "Cancel subscriptions now or at period end.")]
        public const string Cancel = "subscriptions.cancel";

        [Permission(SystemRoleRank.Manager, "Delete subscriptions", "Delete subscriptions entered in error.")]
        public const string Delete = "subscriptions.delete";

        [Permission(SystemRoleRank.Manager, "Export subscriptions", "Export subscriptions as CSV.")]
        public const string Export = "subscriptions.export";

        [Permission(SystemRoleRank.Manager, "Import subscriptions", "Import subscriptions in bulk from CSV.")]
        public const string Import = "subscriptions.import";
    }

    /// <summary>Invoices to customers (business data).</summary>
    public static class Invoices
    {
        [Permission(SystemRoleRank.Viewer, "View invoices", "See invoices and their lines.")]
        public const string Read = "invoices.read";

        [Permission(SystemRoleRank.Member, "Create invoices", "Draft invoices.")]
        public const string Create = "invoices.create";

        [Permission(SystemRoleRank.Member, "Edit invoices", "Change draft invoices.")]
        public const string Update = "invoices.update";

        [Permission(SystemRoleRank.Member, "Send invoices", "Issue invoices and email them to customers.")]
        public const string Send = "invoices.send";

        [Permission(SystemRoleRank.Manager, "Void invoices", "Void issued invoices.")]
        public const string Void = "invoices.void";

        [Permission(SystemRoleRank.Manager, "Delete invoices", "Delete draft invoices.")]
        public const string Delete = "invoices.delete";

        [Permission(SystemRoleRank.Manager, "Export invoices", "Export invoices as CSV.")]
        public const string Export = "invoices.export";

        [Permission(SystemRoleRank.Manager, "Import invoices", "Import invoices in bulk from CSV.")]
        public const string Import = "invoices.import";
    }

    /// <summary>Payments and refunds (business data).</summary>
    public static class Payments
    {
        [Permission(SystemRoleRank.Viewer, "View payments", "See payments and refunds.")]
        public const string Read = "payments.read";

        [Permission(SystemRoleRank.Member, "Record payments", "Record payments against invoices.")]
        public const string Create = "payments.create";

        [Permission(SystemRoleRank.Manager, "Refund payments", "Refund payments in full or in part.")]
        public const string Refund = "payments.refund";

        [Permission(SystemRoleRank.Manager, "Delete payments", "Delete payments recorded in error.")]
        public const string Delete = "payments.delete";

        [Permission(SystemRoleRank.Manager, "Export payments", "Export payments as CSV.")]
        public const string Export = "payments.export";

        [Permission(SystemRoleRank.Manager, "Import payments", "Import payments in bulk from CSV.")]
        public const string Import = "payments.import";
    }

    /// <summary>Products and plans sold to customers (business data).</summary>
    public static class Products
    {
        [Permission(SystemRoleRank.Viewer, "View products", "See products, plans and prices.")]
        public const string Read = "products.read";

        [Permission(SystemRoleRank.Member, "Create products", "Add products and plans.")]
        public const string Create = "products.create";

        [Permission(SystemRoleRank.Member, "Edit products", "Change products, plans and prices.")]
        public const string Update = "products.update";

        [Permission(SystemRoleRank.Manager, "Delete products", "Delete or retire products and plans.")]
        public const string Delete = "products.delete";

        [Permission(SystemRoleRank.Manager, "Export products", "Export products as CSV.")]
        public const string Export = "products.export";

        [Permission(SystemRoleRank.Manager, "Import products", "Import products in bulk from CSV.")]
        public const string Import = "products.import";
    }

    /// <summary>KPIs and dashboards.</summary>
    public static class Analytics
    {
        [Permission(SystemRoleRank.Viewer, "View analytics", "See KPIs, time series and dashboards.")]
        public const string Read = "analytics.read";

        [Permission(SystemRoleRank.Member, "Customize dashboards", "Create and arrange dashboards and widgets.")]
        public const string ManageDashboards = "analytics.manage_dashboards";

        [Permission(SystemRoleRank.Manager, "Manage KPI targets", "Set KPI targets and alert thresholds.")]
        public const string ManageTargets = "analytics.manage_targets";

        [Permission(SystemRoleRank.Manager, "Export analytics", "Export KPI data as CSV.")]
        public const string Export = "analytics.export";
    }

    /// <summary>Workflow automation.</summary>
    public static class Workflows
    {
        [Permission(SystemRoleRank.Viewer, "View workflows", "See workflow templates and their execution history.")]
        public const string Read = "workflows.read";

        [Permission(SystemRoleRank.Manager, "Create workflows", "Create workflow templates.")]
        public const string Create = "workflows.create";

        [Permission(SystemRoleRank.Manager, "Edit workflows", "Edit draft workflow templates.")]
        public const string Update = "workflows.update";

        [Permission(SystemRoleRank.Manager, "Publish workflows", "Publish a workflow version so its triggers fire.")]
        public const string Publish = "workflows.publish";

        [Permission(SystemRoleRank.Manager, "Run workflows", "Start workflows manually.")]
        public const string Execute = "workflows.execute";

        [Permission(SystemRoleRank.Manager, "Cancel workflow runs", "Cancel or retry workflow executions.")]
        public const string Cancel = "workflows.cancel";

        [Permission(SystemRoleRank.Manager, "Delete workflows", "Delete workflow templates.")]
        public const string Delete = "workflows.delete";
    }

    /// <summary>Messages the platform could not deliver to the organization's handlers.</summary>
    public static class Messaging
    {
        [Permission(SystemRoleRank.Admin, "View failed messages", "See messages that failed every attempt, with their last error.")]
        public const string DeadLettersRead = "messaging.dead_letters.read";

        [Permission(SystemRoleRank.Admin, "Replay failed messages", "Queue a failed message again once its cause is fixed.")]
        public const string DeadLettersReplay = "messaging.dead_letters.replay";
    }

    /// <summary>Outgoing webhooks.</summary>
    public static class Webhooks
    {
        [Permission(SystemRoleRank.Admin, "View webhooks", "See webhook endpoints and their delivery log.")]
        public const string Read = "webhooks.read";

        [Permission(SystemRoleRank.Admin, "Create webhooks", "Add webhook endpoints and subscribe them to events.")]
        public const string Create = "webhooks.create";

        [Permission(SystemRoleRank.Admin, "Edit webhooks", "Change webhook endpoints, subscriptions and state.")]
        public const string Update = "webhooks.update";

        [Permission(SystemRoleRank.Admin, "Delete webhooks", "Delete webhook endpoints.")]
        public const string Delete = "webhooks.delete";

        [Permission(SystemRoleRank.Admin, "Replay webhooks", "Replay failed webhook deliveries.")]
        public const string Replay = "webhooks.replay";

        [Permission(SystemRoleRank.Admin, "Rotate webhook secrets", "Rotate webhook signing secrets.")]
        public const string RotateSecret = "webhooks.rotate_secret";
    }

    /// <summary>The organization's emails: its versions of the platform's email templates, and the log of emails sent.</summary>
    public static class Email
    {
        [Permission(SystemRoleRank.Admin, "View email templates", "See the email templates, their variables and cultures, and the organization's versions; preview them.")]
        public const string TemplatesRead = "email.templates.read";

        [Permission(SystemRoleRank.Admin, "Customize email templates", "Save or remove the organization's version of an email template.")]
        public const string TemplatesManage = "email.templates.manage";

        [Permission(SystemRoleRank.Admin, "View sent emails", "See the emails sent for the organization and their delivery status.")]
        public const string LogRead = "email.log.read";
    }

    /// <summary>In-app notifications. A member's own notifications and preferences need no permission.</summary>
    public static class Notifications
    {
        [Permission(SystemRoleRank.Viewer, "View notifications", "See the organization's notification feed.")]
        public const string Read = "notifications.read";

        [Permission(SystemRoleRank.Manager, "Send notifications", "Send in-app notifications to members.")]
        public const string Send = "notifications.send";

        [Permission(SystemRoleRank.Admin, "Manage notification templates", "Customize the organization's in-app notification templates (email templates: email.templates.manage).")]
        public const string ManageTemplates = "notifications.manage_templates";
    }

    /// <summary>Documents and their search.</summary>
    public static class Documents
    {
        [Permission(SystemRoleRank.Viewer, "View documents", "Search and read documents the member may see.")]
        public const string Read = "documents.read";

        [Permission(SystemRoleRank.Member, "Upload documents", "Upload documents for ingestion.")]
        public const string Create = "documents.create";

        [Permission(SystemRoleRank.Member, "Edit documents", "Replace documents and change their metadata.")]
        public const string Update = "documents.update";

        [Permission(SystemRoleRank.Manager, "Delete documents", "Delete documents and their chunks.")]
        public const string Delete = "documents.delete";

        [Permission(SystemRoleRank.Manager, "Export documents", "Download documents in bulk.")]
        public const string Export = "documents.export";

        [Permission(SystemRoleRank.Manager, "Share documents", "Grant access to individual documents.")]
        public const string Share = "documents.share";

        [Permission(SystemRoleRank.Manager, "Manage sensitivity labels", "Set and override documents' sensitivity labels.")]
        public const string ManageLabels = "documents.manage_labels";
    }

    /// <summary>AI insights, models and agents.</summary>
    public static class Ai
    {
        [Permission(SystemRoleRank.Viewer, "View AI insights", "See predictions such as churn risk and revenue forecasts.")]
        public const string Read = "ai.read";

        [Permission(SystemRoleRank.Member, "Run predictions", "Ask for predictions and classifications on demand.")]
        public const string Predict = "ai.predict";

        [Permission(SystemRoleRank.Member, "Ask questions", "Ask questions over the organization's documents.")]
        public const string Ask = "ai.ask";

        [Permission(SystemRoleRank.Manager, "Train models", "Train and retrain models on the organization's data.")]
        public const string Train = "ai.train";

        [Permission(SystemRoleRank.Admin, "Manage models", "Activate, roll back and delete the organization's models.")]
        public const string ManageModels = "ai.manage_models";

        [Permission(SystemRoleRank.Admin, "Manage AI agents", "Configure AI agents, their providers and capabilities.")]
        public const string ManageAgents = "ai.manage_agents";
    }

    /// <summary>White-label themes.</summary>
    public static class Themes
    {
        [Permission(SystemRoleRank.Admin, "View themes", "See theme versions and their history.")]
        public const string Read = "themes.read";

        [Permission(SystemRoleRank.Admin, "Edit themes", "Edit draft themes: colors, typography, branding.")]
        public const string Update = "themes.update";

        [Permission(SystemRoleRank.Admin, "Publish themes", "Publish a theme version to members and customers.")]
        public const string Publish = "themes.publish";

        [Permission(SystemRoleRank.Admin, "Roll back themes", "Restore an earlier theme version.")]
        public const string Rollback = "themes.rollback";
    }

    /// <summary>Custom domains.</summary>
    public static class Domains
    {
        [Permission(SystemRoleRank.Admin, "View domains", "See custom domains, verification and certificate status.")]
        public const string Read = "domains.read";

        [Permission(SystemRoleRank.Admin, "Add domains", "Add custom domains.")]
        public const string Create = "domains.create";

        [Permission(SystemRoleRank.Admin, "Verify domains", "Check a custom domain's DNS verification record.")]
        public const string Verify = "domains.verify";

        [Permission(SystemRoleRank.Admin, "Remove domains", "Remove custom domains.")]
        public const string Delete = "domains.delete";
    }

    /// <summary>Organization settings (localization, integrations, retention).</summary>
    public static class Settings
    {
        [Permission(SystemRoleRank.Admin, "View settings", "See the organization's settings.")]
        public const string Read = "settings.read";

        [Permission(SystemRoleRank.Admin, "Edit settings", "Change the organization's settings.")]
        public const string Update = "settings.update";
    }

    /// <summary>Platform administration across every tenant; held by platform super-admins only.</summary>
    public static class System
    {
        [Permission(SystemRoleRank.PlatformSuperAdmin, "View tenants", "List every organization on the platform.")]
        public const string TenantsRead = "system.tenants.read";

        [Permission(SystemRoleRank.PlatformSuperAdmin, "Manage tenants", "Create, suspend, restore and delete organizations.")]
        public const string TenantsManage = "system.tenants.manage";

        [Permission(SystemRoleRank.PlatformSuperAdmin, "Impersonate", "Act inside an organization for support, with every action audited.")]
        public const string TenantsImpersonate = "system.tenants.impersonate";

        [Permission(SystemRoleRank.PlatformSuperAdmin, "Manage all users", "Lock, unlock and erase any user of the platform.")]
        public const string UsersManage = "system.users.manage";

        [Permission(SystemRoleRank.PlatformSuperAdmin, "Manage plans", "Define plans, quotas and feature flags.")]
        public const string PlansManage = "system.plans.manage";

        [Permission(SystemRoleRank.PlatformSuperAdmin, "View platform health", "See service health, queues and dead letters.")]
        public const string HealthRead = "system.health.read";

        [Permission(SystemRoleRank.PlatformSuperAdmin, "Manage background jobs", "Run, pause and replay background jobs and dead letters.")]
        public const string JobsManage = "system.jobs.manage";

        [Permission(SystemRoleRank.PlatformSuperAdmin, "View platform audit", "Read audit logs of every organization.")]
        public const string AuditRead = "system.audit.read";

        [Permission(SystemRoleRank.PlatformSuperAdmin, "Manage encryption keys", "Rotate data encryption keys.")]
        public const string KeysManage = "system.keys.manage";

        [Permission(SystemRoleRank.PlatformSuperAdmin, "Manage platform settings", "Change platform-wide configuration.")]
        public const string SettingsManage = "system.settings.manage";
    }
}
