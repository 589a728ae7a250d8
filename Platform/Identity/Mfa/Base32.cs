namespace Platform.Identity.Mfa;

/// <summary>
/// RFC 4648 Base32 (alphabet A-Z, 2-7), the encoding authenticator apps use for TOTP secrets.
/// Output is upper case without '=' padding; input may be any case, contain whitespace and end in padding.
/// </summary>
public static class Base32
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>Encodes <paramref name="data"/> without padding.</summary>
    public static string Encode(ReadOnlySpan<byte> data)
    {
        var chars = new char[((data.Length * 8) + 4) / 5];
        var buffer = 0;
        var bits = 0;
        var next = 0;
        foreach (var b in data)
        {
            buffer = ((buffer << 8) | b) & 0xFFF;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                chars[next++] = Alphabet[(buffer >> bits) & 0x1F];
            }
        }

        if (bits > 0)
        {
            chars[next] = Alphabet[(buffer << (5 - bits)) & 0x1F];
        }

        return new string(chars);
    }

    /// <summary>Decodes Base32 text, ignoring case, whitespace and trailing '=' padding.</summary>
    /// <exception cref="FormatException">
    /// A character is outside the alphabet, text follows padding, or the length cannot encode whole bytes.
    /// </exception>
    public static byte[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new byte[text.Length * 5 / 8];
        var buffer = 0;
        var bits = 0;
        var symbols = 0;
        var written = 0;
        var padded = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                continue;
            }

            if (c == '=')
            {
                padded = true;
                continue;
            }

            if (padded)
            {
                throw new FormatException($"Base32 text continues with '{c}' at position {i} after '=' padding; padding may only end the text.");
            }

            var value = ValueOf(c);
            if (value < 0)
            {
                throw new FormatException($"'{c}' (U+{(int)c:X4}) at position {i} is not a Base32 character; RFC 4648 Base32 uses only A-Z and 2-7.");
            }

            buffer = ((buffer << 5) | value) & 0xFFF;
            bits += 5;
            symbols++;
            if (bits >= 8)
            {
                bits -= 8;
                output[written++] = (byte)(buffer >> bits);
            }
        }

        // 1, 3 or 6 characters past a multiple of 8 leave a partial byte that no encoder produces: the text is truncated.
        if ((symbols % 8) is 1 or 3 or 6)
        {
            throw new FormatException($"Base32 text of {symbols} characters is truncated: {symbols % 8} trailing characters cannot encode whole bytes.");
        }

        return output.AsSpan(0, written).ToArray();
    }

    private static int ValueOf(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a',
        >= '2' and <= '7' => c - '2' + 26,
        _ => -1,
    };
}
