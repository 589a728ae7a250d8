namespace Web.Session;

/// <summary>What the session cookie carries: ids and names for display, never a token.</summary>
public static class SessionClaims
{
    public const string Scheme = "web-session";

    /// <summary>The random id of the browser session, the key of its tokens in <see cref="TokenStore"/>.</summary>
    public const string SessionId = "web_sid";

    public const string UserId = "sub";

    public const string Name = "name";

    public const string Email = "email";

    public const string OrganizationId = "tid";
}
