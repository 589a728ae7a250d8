using System.Text;
using Platform.Identity.Mfa;

namespace Platform.Tests.Identity.Mfa;

[TestClass]
public sealed class AuthenticatorKeyTests
{
    private static readonly byte[] RfcSecret = Encoding.ASCII.GetBytes("12345678901234567890");

    [TestMethod]
    public void A_generated_key_is_160_random_bits()
    {
        var first = AuthenticatorKey.Generate();
        var second = AuthenticatorKey.Generate();

        Assert.HasCount(20, first);
        CollectionAssert.AreNotEqual(first, second);
    }

    [TestMethod]
    public void The_display_form_is_base32_in_groups_of_four()
    {
        var display = AuthenticatorKey.FormatForDisplay(RfcSecret);

        Assert.AreEqual("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ", display);
    }

    [TestMethod]
    public void The_display_form_decodes_back_to_the_key()
    {
        var key = AuthenticatorKey.Generate();

        CollectionAssert.AreEqual(key, Base32.Decode(AuthenticatorKey.FormatForDisplay(key)));
    }

    [TestMethod]
    public void The_otpauth_uri_carries_issuer_account_secret_and_parameters()
    {
        var uri = AuthenticatorKey.BuildOtpAuthUri("Acme", "alice@example.com", RfcSecret);

        Assert.AreEqual(
            "otpauth://totp/Acme:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme&algorithm=SHA1&digits=6&period=30",
            uri);
    }

    [TestMethod]
    public void Spaces_and_reserved_characters_in_issuer_and_account_are_percent_encoded()
    {
        var uri = AuthenticatorKey.BuildOtpAuthUri("Acme & Sons/EU", "a+b=c?d#e f@example.com", RfcSecret);

        Assert.AreEqual(
            "otpauth://totp/Acme%20%26%20Sons%2FEU:a%2Bb%3Dc%3Fd%23e%20f%40example.com"
            + "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20%26%20Sons%2FEU&algorithm=SHA1&digits=6&period=30",
            uri);
    }

    [TestMethod]
    public void Non_ascii_names_are_utf8_percent_encoded()
    {
        var uri = AuthenticatorKey.BuildOtpAuthUri("Société", "josé", RfcSecret);

        StringAssert.StartsWith(uri, "otpauth://totp/Soci%C3%A9t%C3%A9:jos%C3%A9?");
        StringAssert.Contains(uri, "&issuer=Soci%C3%A9t%C3%A9&");
    }

    [TestMethod]
    public void The_uri_names_the_chosen_algorithm_and_digits()
    {
        var uri = AuthenticatorKey.BuildOtpAuthUri("Acme", "alice", RfcSecret, OtpAlgorithm.Sha512, digits: 8);

        StringAssert.EndsWith(uri, "&algorithm=SHA512&digits=8&period=30");
    }

    [TestMethod]
    [DataRow("Ac:me", "alice")]
    [DataRow("Acme", "ali:ce")]
    [DataRow(" ", "alice")]
    [DataRow("Acme", "")]
    public void A_colon_or_an_empty_label_part_is_refused(string issuer, string account)
    {
        Assert.Throws<ArgumentException>(() => AuthenticatorKey.BuildOtpAuthUri(issuer, account, RfcSecret));
    }
}
