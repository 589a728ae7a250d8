using Platform.Identity.Mfa;

namespace Platform.Tests.Identity.Mfa;

[TestClass]
public sealed class Base32Tests
{
    // RFC 4648 section 10, with the padding left off as Encode writes it.
    [TestMethod]
    [DataRow("", "")]
    [DataRow("f", "MY")]
    [DataRow("fo", "MZXQ")]
    [DataRow("foo", "MZXW6")]
    [DataRow("foob", "MZXW6YQ")]
    [DataRow("fooba", "MZXW6YTB")]
    [DataRow("foobar", "MZXW6YTBOI")]
    public void Encoding_matches_the_RFC_4648_test_vectors(string text, string expected)
    {
        Assert.AreEqual(expected, Base32.Encode(System.Text.Encoding.ASCII.GetBytes(text)));
    }

    [TestMethod]
    [DataRow("MY======", "f")]
    [DataRow("MZXQ====", "fo")]
    [DataRow("MZXW6===", "foo")]
    [DataRow("MZXW6YQ=", "foob")]
    [DataRow("MZXW6YTB", "fooba")]
    [DataRow("MZXW6YTBOI======", "foobar")]
    [DataRow("MZXW6YTBOI", "foobar")]
    public void Decoding_matches_the_RFC_4648_test_vectors_with_or_without_padding(string encoded, string expected)
    {
        Assert.AreEqual(expected, System.Text.Encoding.ASCII.GetString(Base32.Decode(encoded)));
    }

    [TestMethod]
    public void Every_length_round_trips()
    {
        var random = new Random(4648);
        for (var length = 0; length <= 41; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);

            var decoded = Base32.Decode(Base32.Encode(data));

            CollectionAssert.AreEqual(data, decoded, $"length {length}");
        }
    }

    [TestMethod]
    public void Every_byte_value_round_trips()
    {
        byte[] data = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];

        CollectionAssert.AreEqual(data, Base32.Decode(Base32.Encode(data)));
    }

    [TestMethod]
    public void Decoding_ignores_case_and_whitespace()
    {
        var decoded = Base32.Decode(" mzxw 6ytb\tOi\n");

        Assert.AreEqual("foobar", System.Text.Encoding.ASCII.GetString(decoded));
    }

    [TestMethod]
    [DataRow("MZXW1YTB", '1', 4)]
    [DataRow("MZ0Q", '0', 2)]
    [DataRow("MZXW8", '8', 4)]
    [DataRow("MZ-XQ", '-', 2)]
    public void A_character_outside_the_alphabet_is_a_format_error_naming_it(string encoded, char bad, int position)
    {
        var error = Assert.ThrowsExactly<FormatException>(() => Base32.Decode(encoded));

        StringAssert.Contains(error.Message, $"'{bad}'");
        StringAssert.Contains(error.Message, $"position {position}");
        StringAssert.Contains(error.Message, "A-Z and 2-7");
    }

    [TestMethod]
    public void Text_after_padding_is_a_format_error()
    {
        var error = Assert.ThrowsExactly<FormatException>(() => Base32.Decode("MY==MY"));

        StringAssert.Contains(error.Message, "after '=' padding");
    }

    [TestMethod]
    [DataRow("M")]
    [DataRow("MZX")]
    [DataRow("MZXW6Y")]
    public void A_truncated_length_is_a_format_error(string encoded)
    {
        var error = Assert.ThrowsExactly<FormatException>(() => Base32.Decode(encoded));

        StringAssert.Contains(error.Message, "truncated");
    }
}
