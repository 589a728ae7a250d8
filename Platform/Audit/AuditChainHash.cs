using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Platform.Audit;

/// <summary>
/// The hash chain's canonical encoding, shared by the writer and the verifier. Every field is
/// written as a presence byte, a big-endian length and the bytes, in a fixed order, so no two
/// different entries encode alike (no separator can be forged inside a value).
/// </summary>
internal static class AuditChainHash
{
    /// <summary>The previous hash of a chain's first entry.</summary>
    public static readonly byte[] Genesis = new byte[32];

    /// <summary>Changing the encoding means a new version tag, so old rows still verify under the old one.</summary>
    private static readonly byte[] VersionTag = "audit-chain-v1"u8.ToArray();

    private static readonly JsonWriterOptions CanonicalJson = new()
    {
        // Deterministic either way; relaxed keeps non-ASCII text readable in the stored JSON.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>PostgreSQL keeps microseconds, so the hashed instant must be the stored one.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % 10), TimeSpan.Zero);
    }

    public static byte[] Compute(AuditRecord entry, string? canonicalChanges)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        buffer.Write(VersionTag);
        Field(buffer, entry.PreviousHash);
        Field(buffer, entry.TenantId);
        Field(buffer, entry.Sequence);
        Field(buffer, (entry.OccurredAt.UtcTicks - DateTimeOffset.UnixEpoch.Ticks) / 10);
        Field(buffer, AuditColumns.ToText(entry.ActorType));
        Field(buffer, entry.ActorId);
        Field(buffer, entry.Action);
        Field(buffer, entry.ResourceType);
        Field(buffer, entry.ResourceId);
        Field(buffer, canonicalChanges);
        Field(buffer, entry.Ip);
        Field(buffer, entry.UserAgent);
        Field(buffer, entry.TraceId);
        Field(buffer, entry.IsSecurityEvent ? [1] : [0]);
        return SHA256.HashData(buffer.WrittenSpan);
    }

    /// <summary>
    /// JSON with object keys in ordinal order and no insignificant whitespace. Numbers keep their
    /// text, so callers canonicalize what PostgreSQL's jsonb gave back (its numeric form), never
    /// the caller's original text: <c>1e2</c> comes back as <c>100</c>.
    /// </summary>
    public static string? Canonicalize(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        var buffer = new ArrayBufferWriter<byte>(json.Length);
        using (var writer = new Utf8JsonWriter(buffer, CanonicalJson))
        {
            Write(writer, document.RootElement);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            default:
                // Numbers, true, false and null: their text is already canonical once jsonb normalized it.
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                break;
        }
    }

    private static void Field(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> value)
    {
        var header = buffer.GetSpan(5);
        header[0] = 1;
        BinaryPrimitives.WriteInt32BigEndian(header[1..], value.Length);
        buffer.Advance(5);
        buffer.Write(value);
    }

    private static void Absent(ArrayBufferWriter<byte> buffer)
    {
        buffer.GetSpan(1)[0] = 0;
        buffer.Advance(1);
    }

    private static void Field(ArrayBufferWriter<byte> buffer, string? value)
    {
        if (value is null)
        {
            Absent(buffer);
            return;
        }

        Field(buffer, Encoding.UTF8.GetBytes(value));
    }

    private static void Field(ArrayBufferWriter<byte> buffer, Guid? value)
    {
        if (value is not { } guid)
        {
            Absent(buffer);
            return;
        }

        Span<byte> bytes = stackalloc byte[16];
        guid.TryWriteBytes(bytes, bigEndian: true, out _);
        Field(buffer, bytes);
    }

    private static void Field(ArrayBufferWriter<byte> buffer, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        Field(buffer, bytes);
    }

    private static void Field(ArrayBufferWriter<byte> buffer, IPAddress? value)
    {
        if (value is null)
        {
            Absent(buffer);
            return;
        }

        // Address bytes only: inet keeps no IPv6 zone, so a scope id would not survive the round trip.
        Field(buffer, value.GetAddressBytes());
    }
}
