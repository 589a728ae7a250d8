namespace Web.Session;

/// <summary>The browser's session has no usable Api tokens any more (signed out elsewhere, revoked, expired): sign in again.</summary>
public sealed class SessionExpiredException : Exception
{
    public SessionExpiredException()
        : base("The session has ended; sign in again.")
    {
    }

    public SessionExpiredException(string message)
        : base(message)
    {
    }

    public SessionExpiredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
