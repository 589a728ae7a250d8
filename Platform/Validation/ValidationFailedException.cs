namespace Platform.Validation;

/// <summary>
/// Input that breaks a rule, with messages per field. The one validation error of the platform:
/// every module throws it, and the Api turns it into an RFC 7807 validation problem (400).
/// </summary>
public sealed class ValidationFailedException(IDictionary<string, string[]> errors) : Exception("The request is not valid.")
{
    public IDictionary<string, string[]> Errors { get; } = errors;

    /// <summary>One field, one message.</summary>
    public static ValidationFailedException For(string field, string message) => new(new Dictionary<string, string[]> { [field] = [message] });
}
