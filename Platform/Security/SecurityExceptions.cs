namespace Platform.Security;

/// <summary>
/// Base of the security module's refusals. <see cref="Code"/> is machine-readable and stable, for problem details
/// (<c>invalid_*</c> → 400 with <see cref="Field"/> as the field in error, <c>*_not_found</c> → 404, rule violations → 409).
/// </summary>
public abstract class SecurityException : Exception
{
    /// <summary>Creates the exception with a code, a message for people and the field in error, if any.</summary>
    protected SecurityException(string code, string message, string? field = null)
        : base(message)
    {
        Code = code;
        Field = field;
    }

    /// <summary>Required by the exception pattern; prefer the constructor with a code.</summary>
    protected SecurityException()
        : this("security_error", "The request was refused.")
    {
    }

    /// <summary>Required by the exception pattern; prefer the constructor with a code.</summary>
    protected SecurityException(string message)
        : this("security_error", message)
    {
    }

    /// <summary>Required by the exception pattern; prefer the constructor with a code.</summary>
    protected SecurityException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Code = "security_error";
    }

    /// <summary>Machine-readable reason, e.g. <c>invalid_cidr</c>.</summary>
    public string Code { get; }

    /// <summary>The request field the error is about (camelCase), for field-level problem details; null when not about one field.</summary>
    public string? Field { get; }
}

/// <summary>A value in the request is invalid (HTTP 400).</summary>
public sealed class SecurityValidationException : SecurityException
{
    /// <summary>The text is neither an IP address nor a CIDR network.</summary>
    public const string InvalidCidr = "invalid_cidr";

    /// <summary>The rule action is not <c>allow</c> or <c>deny</c>.</summary>
    public const string InvalidAction = "invalid_action";

    /// <summary>The description is too long.</summary>
    public const string InvalidDescription = "invalid_description";

    /// <summary>The severity is not one of low, medium, high, critical.</summary>
    public const string InvalidSeverity = "invalid_severity";

    /// <summary>The time range or bucket of a summary is invalid.</summary>
    public const string InvalidRange = "invalid_range";

    /// <summary>Refuses <paramref name="field"/> with a code and a message for people.</summary>
    public SecurityValidationException(string code, string field, string message)
        : base(code, message, field)
    {
    }

    /// <inheritdoc />
    public SecurityValidationException()
    {
    }

    /// <inheritdoc />
    public SecurityValidationException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public SecurityValidationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A security rule forbids the change (HTTP 409).</summary>
public sealed class SecurityRuleViolationException : SecurityException
{
    /// <summary>The change would block the caller's own current address; repeat it with confirmation to proceed.</summary>
    public const string SelfLockout = "ip_rule_self_lockout";

    /// <summary>The organization already has a rule for that network.</summary>
    public const string DuplicateRule = "ip_rule_duplicate";

    /// <summary>The organization has as many rules as allowed.</summary>
    public const string TooManyRules = "ip_rule_limit";

    /// <summary>The user is not a member of the organization.</summary>
    public const string NotAMember = "not_a_member";

    /// <summary>Refuses with a rule's code and a message for people.</summary>
    public SecurityRuleViolationException(string code, string message)
        : base(code, message)
    {
    }

    /// <inheritdoc />
    public SecurityRuleViolationException()
    {
    }

    /// <inheritdoc />
    public SecurityRuleViolationException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public SecurityRuleViolationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The rule or alert does not exist in the organization (HTTP 404).</summary>
public sealed class SecurityNotFoundException : SecurityException
{
    /// <summary>No such IP rule in the organization.</summary>
    public const string IpRuleNotFound = "ip_rule_not_found";

    /// <summary>No such alert delivered to the user in the organization.</summary>
    public const string AlertNotFound = "security_alert_not_found";

    /// <summary>Refuses with a not-found code and a message for people.</summary>
    public SecurityNotFoundException(string code, string message)
        : base(code, message)
    {
    }

    /// <inheritdoc />
    public SecurityNotFoundException()
    {
    }

    /// <inheritdoc />
    public SecurityNotFoundException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public SecurityNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
