namespace Platform.Caching;

/// <summary>Base type of every failure raised by <see cref="RedisClient"/>.</summary>
public class RedisException : Exception
{
    public RedisException()
    {
    }

    public RedisException(string message)
        : base(message)
    {
    }

    public RedisException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The command could not be completed because there was no usable connection: the server could not be
/// reached, or the connection dropped while the command waited for its reply.
/// </summary>
public class RedisConnectionException : RedisException
{
    public RedisConnectionException()
    {
    }

    public RedisConnectionException(string message)
        : base(message)
    {
    }

    public RedisConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Authentication failed either way round: the server rejected the credentials (AUTH), or the client did
/// not accept the server's TLS certificate. Retrying cannot help, so commands fail at once.
/// </summary>
public sealed class RedisAuthenticationException : RedisConnectionException
{
    public RedisAuthenticationException()
    {
    }

    public RedisAuthenticationException(string message)
        : base(message)
    {
    }

    public RedisAuthenticationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The server answered a command with an error reply (<c>-ERR ...</c>, <c>-WRONGTYPE ...</c>).</summary>
public sealed class RedisServerException : RedisException
{
    public RedisServerException()
    {
    }

    public RedisServerException(string message)
        : this("?", message)
    {
    }

    public RedisServerException(string message, Exception? innerException)
        : base(message, innerException)
    {
        ServerMessage = message;
    }

    /// <summary>Creates the exception for <paramref name="command"/> with the server's error text.</summary>
    public RedisServerException(string command, string serverMessage)
        : base($"Redis answered {command} with an error: {serverMessage}")
    {
        Command = command;
        ServerMessage = serverMessage;
    }

    /// <summary>The command the server rejected, e.g. <c>INCR</c>.</summary>
    public string Command { get; } = "?";

    /// <summary>The server's error text as sent, e.g. <c>WRONGTYPE Operation against a key holding the wrong kind of value</c>.</summary>
    public string ServerMessage { get; } = string.Empty;

    /// <summary>The error's first word, e.g. <c>ERR</c>, <c>WRONGTYPE</c>, <c>NOSCRIPT</c>.</summary>
    public string ErrorCode => ServerMessage.Split(' ', 2)[0];
}
