namespace Platform.Access;

/// <summary>
/// Base of the access module's refusals. <see cref="Code"/> is machine-readable and stable, for problem details
/// (<c>permission_denied</c> → 403, <c>unknown_permissions</c> → 400, <c>*_not_found</c> → 404, rule violations → 409).
/// </summary>
public abstract class AccessException : Exception
{
    /// <summary>Creates the exception with a code and a message for people.</summary>
    protected AccessException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    /// <summary>Required by the exception pattern; prefer the constructor with a code.</summary>
    protected AccessException()
        : this("access_error", "Access was refused.")
    {
    }

    /// <summary>Required by the exception pattern; prefer the constructor with a code.</summary>
    protected AccessException(string message)
        : this("access_error", message)
    {
    }

    /// <summary>Required by the exception pattern; prefer the constructor with a code.</summary>
    protected AccessException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Code = "access_error";
    }

    /// <summary>Machine-readable reason, e.g. <c>last_owner</c>.</summary>
    public string Code { get; }
}

/// <summary>The actor lacks permissions the operation needs (HTTP 403). Nobody can grant a permission they do not hold.</summary>
public sealed class AccessDeniedException : AccessException
{
    /// <summary>The code of every <see cref="AccessDeniedException"/>.</summary>
    public const string DeniedCode = "permission_denied";

    /// <summary>Refuses because the actor lacks <paramref name="missingPermissions"/>.</summary>
    public AccessDeniedException(IReadOnlyList<string> missingPermissions, string message)
        : base(DeniedCode, message)
    {
        MissingPermissions = missingPermissions;
    }

    /// <inheritdoc />
    public AccessDeniedException()
        : this([], "Access was denied.")
    {
    }

    /// <inheritdoc />
    public AccessDeniedException(string message)
        : this([], message)
    {
    }

    /// <inheritdoc />
    public AccessDeniedException(string message, Exception? innerException)
        : base(message, innerException)
    {
        MissingPermissions = [];
    }

    /// <summary>The permissions the actor would need and does not hold, sorted.</summary>
    public IReadOnlyList<string> MissingPermissions { get; }
}

/// <summary>An access rule forbids the change (HTTP 409), e.g. removing the last owner or editing a system role.</summary>
public sealed class AccessRuleViolationException : AccessException
{
    /// <summary>Removing the owner role from the organization's last owner.</summary>
    public const string LastOwner = "last_owner";

    /// <summary>Editing or deleting a system role.</summary>
    public const string SystemRoleImmutable = "system_role_immutable";

    /// <summary>A custom role with that name already exists in the organization.</summary>
    public const string RoleNameTaken = "role_name_taken";

    /// <summary>A custom role may not take a system role's name.</summary>
    public const string RoleNameReserved = "role_name_reserved";

    /// <summary>Refuses with a rule's code and a message for people.</summary>
    public AccessRuleViolationException(string code, string message)
        : base(code, message)
    {
    }

    /// <inheritdoc />
    public AccessRuleViolationException()
    {
    }

    /// <inheritdoc />
    public AccessRuleViolationException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public AccessRuleViolationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Permission names that are not in the catalogue (HTTP 400); the message names them.</summary>
public sealed class UnknownPermissionException : AccessException
{
    /// <summary>The code of every <see cref="UnknownPermissionException"/>.</summary>
    public const string UnknownCode = "unknown_permissions";

    /// <summary>Refuses <paramref name="unknownPermissions"/>.</summary>
    public UnknownPermissionException(IReadOnlyList<string> unknownPermissions)
        : base(UnknownCode, $"Unknown permission{(unknownPermissions.Count == 1 ? string.Empty : "s")}: {string.Join(", ", unknownPermissions)}.")
    {
        UnknownPermissions = unknownPermissions;
    }

    /// <inheritdoc />
    public UnknownPermissionException()
        : this([])
    {
    }

    /// <inheritdoc />
    public UnknownPermissionException(string message)
        : base(UnknownCode, message)
    {
        UnknownPermissions = [];
    }

    /// <inheritdoc />
    public UnknownPermissionException(string message, Exception? innerException)
        : base(message, innerException)
    {
        UnknownPermissions = [];
    }

    /// <summary>The names that are not permissions, sorted.</summary>
    public IReadOnlyList<string> UnknownPermissions { get; }
}

/// <summary>The role or member does not exist in the organization (HTTP 404).</summary>
public sealed class AccessNotFoundException : AccessException
{
    /// <summary>No such role in the organization (nor a system role).</summary>
    public const string RoleNotFound = "role_not_found";

    /// <summary>The user is not a member of the organization.</summary>
    public const string MemberNotFound = "member_not_found";

    /// <summary>Refuses with a not-found code and a message for people.</summary>
    public AccessNotFoundException(string code, string message)
        : base(code, message)
    {
    }

    /// <inheritdoc />
    public AccessNotFoundException()
    {
    }

    /// <inheritdoc />
    public AccessNotFoundException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public AccessNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
