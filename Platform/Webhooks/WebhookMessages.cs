using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Platform.Webhooks;

/// <summary>The messages webhooks carry: their ids and the exact body sent (and signed) on every attempt.</summary>
public static class WebhookMessages
{
    /// <summary>The type of the message "send test event" makes; not an integration event, so not subscribable.</summary>
    public const string TestEventType = "webhook.test";

    /// <summary>The <c>webhook-id</c> of the message made from an integration event: stable across retries and endpoints.</summary>
    public static string IdFor(Guid eventId) => "msg_" + eventId.ToString("N");

    /// <summary>The Standard Webhooks payload <c>{type, timestamp, data}</c>, with <paramref name="dataJson"/> as is.</summary>
    public static string Body(string type, DateTimeOffset timestamp, string dataJson)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString("timestamp", timestamp.UtcDateTime);
            writer.WritePropertyName("data");
            writer.WriteRawValue(dataJson, skipInputValidation: false);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
