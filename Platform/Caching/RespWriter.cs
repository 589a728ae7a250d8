using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Platform.Caching;

/// <summary>Writes a command as a RESP array of bulk strings, the only request form Redis needs.</summary>
internal static class RespWriter
{
    public static void Write(IBufferWriter<byte> output, RedisCommand command)
    {
        WriteHeader(output, (byte)'*', command.Arguments.Length + 1);
        var nameLength = Encoding.UTF8.GetByteCount(command.Name);
        WriteHeader(output, (byte)'$', nameLength);
        var span = output.GetSpan(nameLength + 2);
        Encoding.UTF8.GetBytes(command.Name, span);
        "\r\n"u8.CopyTo(span[nameLength..]);
        output.Advance(nameLength + 2);

        foreach (var argument in command.Arguments)
        {
            WriteHeader(output, (byte)'$', argument.Length);
            output.Write(argument.Span);
            output.Write("\r\n"u8);
        }
    }

    private static void WriteHeader(IBufferWriter<byte> output, byte prefix, int number)
    {
        var span = output.GetSpan(16);
        span[0] = prefix;
        Utf8Formatter.TryFormat(number, span[1..], out var written);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        output.Advance(3 + written);
    }
}
