using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Platform.Caching;

/// <summary>Parses RESP2 replies from buffered socket data, one complete value at a time.</summary>
internal static class RespReader
{
    private static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    /// <summary>
    /// Reads one complete reply from the start of <paramref name="buffer"/> and slices it off. Returns false,
    /// leaving the buffer as it was, when the reply has not fully arrived yet.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out RespValue value)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!TryReadValue(ref reader, out value))
        {
            return false;
        }

        buffer = buffer.Slice(reader.Position);
        return true;
    }

    private static bool TryReadValue(ref SequenceReader<byte> reader, out RespValue value)
    {
        value = RespValue.NullBulkString;
        if (!reader.TryRead(out var prefix) || !reader.TryReadTo(out ReadOnlySequence<byte> line, CrLf))
        {
            return false;
        }

        switch (prefix)
        {
            case (byte)'+':
                value = RespValue.SimpleString(Encoding.UTF8.GetString(line));
                return true;
            case (byte)'-':
                value = RespValue.Error(Encoding.UTF8.GetString(line));
                return true;
            case (byte)':':
                value = RespValue.Integer(ParseInteger(line));
                return true;
            case (byte)'$':
                return TryReadBulk(ref reader, ParseInteger(line), out value);
            case (byte)'*':
                return TryReadArray(ref reader, ParseInteger(line), out value);
            default:
                throw new RedisConnectionException($"Redis sent a reply of unknown type '{(char)prefix}'; the connection is out of step and will be reopened.");
        }
    }

    private static bool TryReadBulk(ref SequenceReader<byte> reader, long length, out RespValue value)
    {
        value = RespValue.NullBulkString;
        if (length < 0)
        {
            return true;
        }

        if (reader.Remaining < length + 2)
        {
            return false;
        }

        var bytes = new byte[length];
        reader.TryCopyTo(bytes);
        reader.Advance(length + 2);
        value = RespValue.Bulk(bytes);
        return true;
    }

    private static bool TryReadArray(ref SequenceReader<byte> reader, long count, out RespValue value)
    {
        value = RespValue.NullArray;
        if (count < 0)
        {
            return true;
        }

        var items = new RespValue[count];
        for (var i = 0; i < items.Length; i++)
        {
            if (!TryReadValue(ref reader, out items[i]))
            {
                return false;
            }
        }

        value = RespValue.Array(items);
        return true;
    }

    private static long ParseInteger(ReadOnlySequence<byte> line)
    {
        Span<byte> digits = stackalloc byte[24];
        if (line.Length > digits.Length)
        {
            throw new RedisConnectionException("Redis sent a malformed length or integer.");
        }

        line.CopyTo(digits);
        digits = digits[..(int)line.Length];
        return Utf8Parser.TryParse(digits, out long number, out var consumed) && consumed == digits.Length
            ? number
            : throw new RedisConnectionException("Redis sent a malformed length or integer.");
    }
}
