namespace AiInference.Serving;

/// <summary>A request the protocol answers with an error status and <c>{"error": message}</c>.</summary>
internal sealed class ProtocolException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static ProtocolException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    public static ProtocolException NotFound(string message) => new(StatusCodes.Status404NotFound, message);
}
