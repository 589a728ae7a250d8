using System.Text;
using Platform.Identity.Mfa;

namespace Platform.Tests.Identity.Mfa;

[TestClass]
public sealed class HotpTests
{
    private static readonly byte[] Rfc4226Secret = Encoding.ASCII.GetBytes("12345678901234567890");

    // RFC 4226 Appendix D: HMAC-SHA-1, 6 digits, counters 0 to 9.
    [TestMethod]
    [DataRow(0L, "755224")]
    [DataRow(1L, "287082")]
    [DataRow(2L, "359152")]
    [DataRow(3L, "969429")]
    [DataRow(4L, "338314")]
    [DataRow(5L, "254676")]
    [DataRow(6L, "287922")]
    [DataRow(7L, "162583")]
    [DataRow(8L, "399871")]
    [DataRow(9L, "520489")]
    public void Codes_match_the_RFC_4226_appendix_D_values(long counter, string expected)
    {
        var code = Hotp.Generate(Rfc4226Secret, counter);

        Assert.AreEqual(expected, code);
    }

    [TestMethod]
    [DataRow(4)]
    [DataRow(7)]
    [DataRow(10)]
    public void Digit_counts_other_than_6_or_8_are_refused(int digits)
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Hotp.Generate(Rfc4226Secret, 0, digits));
    }

    [TestMethod]
    public void An_empty_secret_is_refused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => Hotp.Generate([], 0));
    }
}
