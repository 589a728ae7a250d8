namespace Platform.Email;

/// <summary>The keys of the platform's email templates, for callers of <see cref="EmailService"/>.</summary>
public static class EmailTemplates
{
    public const string Welcome = "welcome";
    public const string EmailVerification = "email_verification";
    public const string PasswordReset = "password_reset";
    public const string Invitation = "invitation";
    public const string NewSignIn = "new_sign_in";
    public const string MfaEnabled = "mfa_enabled";
    public const string MfaDisabled = "mfa_disabled";
    public const string MfaRecoveryCodesRegenerated = "mfa_recovery_codes_regenerated";
    public const string AccountLocked = "account_locked";
    public const string TrialStarted = "trial_started";
    public const string TrialEnding = "trial_ending";
    public const string SubscriptionRenewed = "subscription_renewed";
    public const string InvoiceGenerated = "invoice_generated";
    public const string PaymentFailed = "payment_failed";
    public const string Usage80 = "usage_80";
    public const string Usage100 = "usage_100";
    public const string SecurityAlert = "security_alert";
    public const string WorkflowFailed = "workflow_failed";
    public const string WebhookEndpointDisabled = "webhook_endpoint_disabled";
    public const string DataExportReady = "data_export_ready";
    public const string RoleChanged = "role_changed";
    public const string ApiKeyCreated = "api_key_created";
    public const string ApiKeyExpiring = "api_key_expiring";
    public const string PasswordChanged = "password_changed";
    public const string EmailChanged = "email_changed";
    public const string MemberRemoved = "member_removed";
    public const string MemberJoined = "member_joined";

    /// <summary>A generic in-app notification forwarded by email (title, optional body and link).</summary>
    public const string Notification = "notification";
}
