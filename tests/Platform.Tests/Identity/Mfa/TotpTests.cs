using System.Text;
using Platform.Identity.Mfa;

namespace Platform.Tests.Identity.Mfa;

[TestClass]
public sealed class TotpTests
{
    // RFC 6238 Appendix B: the ASCII seed "12345678901234567890" repeated to the hash's size (20, 32, 64 bytes).
    private static readonly byte[] Sha1Seed = Seed(20);
    private static readonly byte[] Sha256Seed = Seed(32);
    private static readonly byte[] Sha512Seed = Seed(64);

    // Step 37037036 (t = 1111111109) and step 37037037 (t = 1111111111): RFC 6238's SHA-1 codes on either side of a boundary.
    private const string CodeAtStep37037036 = "07081804";
    private const string CodeAtStep37037037 = "14050471";

    [TestMethod]
    [DataRow(59L, OtpAlgorithm.Sha1, "94287082")]
    [DataRow(59L, OtpAlgorithm.Sha256, "46119246")]
    [DataRow(59L, OtpAlgorithm.Sha512, "90693936")]
    [DataRow(1111111109L, OtpAlgorithm.Sha1, "07081804")]
    [DataRow(1111111109L, OtpAlgorithm.Sha256, "68084774")]
    [DataRow(1111111109L, OtpAlgorithm.Sha512, "25091201")]
    [DataRow(1111111111L, OtpAlgorithm.Sha1, "14050471")]
    [DataRow(1111111111L, OtpAlgorithm.Sha256, "67062674")]
    [DataRow(1111111111L, OtpAlgorithm.Sha512, "99943326")]
    [DataRow(1234567890L, OtpAlgorithm.Sha1, "89005924")]
    [DataRow(1234567890L, OtpAlgorithm.Sha256, "91819424")]
    [DataRow(1234567890L, OtpAlgorithm.Sha512, "93441116")]
    [DataRow(2000000000L, OtpAlgorithm.Sha1, "69279037")]
    [DataRow(2000000000L, OtpAlgorithm.Sha256, "90698825")]
    [DataRow(2000000000L, OtpAlgorithm.Sha512, "38618901")]
    [DataRow(20000000000L, OtpAlgorithm.Sha1, "65353130")]
    [DataRow(20000000000L, OtpAlgorithm.Sha256, "77737706")]
    [DataRow(20000000000L, OtpAlgorithm.Sha512, "47863826")]
    public void Codes_match_the_RFC_6238_appendix_B_vectors(long unixSeconds, OtpAlgorithm algorithm, string expected)
    {
        var totp = new Totp(ManualClock.AtUnixSeconds(unixSeconds), algorithm, digits: 8);

        var code = totp.Generate(SeedFor(algorithm));

        Assert.AreEqual(expected, code);
    }

    [TestMethod]
    [DataRow(59L, OtpAlgorithm.Sha256, "46119246")]
    [DataRow(20000000000L, OtpAlgorithm.Sha512, "47863826")]
    public void An_RFC_6238_vector_verifies_and_returns_its_step(long unixSeconds, OtpAlgorithm algorithm, string code)
    {
        var totp = new Totp(ManualClock.AtUnixSeconds(unixSeconds), algorithm, digits: 8);

        var step = totp.Verify(SeedFor(algorithm), code, lastAcceptedStep: null);

        Assert.AreEqual(unixSeconds / 30, step);
    }

    [TestMethod]
    public void Six_digit_codes_are_the_last_six_digits_of_the_eight_digit_code()
    {
        var totp = new Totp(ManualClock.AtUnixSeconds(59));

        Assert.AreEqual("287082", totp.Generate(Sha1Seed));
    }

    [TestMethod]
    public void The_step_is_whole_thirty_second_periods_since_the_epoch()
    {
        Assert.AreEqual(0, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(29)));
        Assert.AreEqual(1, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(30)));
        Assert.AreEqual(41152263, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(1234567890)));
    }

    [TestMethod]
    public void The_code_follows_the_clock()
    {
        var clock = ManualClock.AtUnixSeconds(1111111109);
        var totp = new Totp(clock, digits: 8);
        var before = totp.Generate(Sha1Seed);

        clock.Now = DateTimeOffset.FromUnixTimeSeconds(1111111111);

        Assert.AreEqual(CodeAtStep37037036, before);
        Assert.AreEqual(CodeAtStep37037037, totp.Generate(Sha1Seed));
    }

    [TestMethod]
    public void The_previous_steps_code_is_accepted_within_the_default_window()
    {
        var totp = new Totp(ManualClock.AtUnixSeconds(1111111111), digits: 8);

        var step = totp.Verify(Sha1Seed, CodeAtStep37037036, lastAcceptedStep: null);

        Assert.AreEqual(37037036, step);
    }

    [TestMethod]
    public void The_next_steps_code_is_accepted_within_the_default_window()
    {
        var totp = new Totp(ManualClock.AtUnixSeconds(1111111109), digits: 8);

        var step = totp.Verify(Sha1Seed, CodeAtStep37037037, lastAcceptedStep: null);

        Assert.AreEqual(37037037, step);
    }

    [TestMethod]
    public void A_code_two_steps_old_is_rejected()
    {
        // Step 37037038, two after the code's step.
        var totp = new Totp(ManualClock.AtUnixSeconds(1111111109 + 60), digits: 8);

        Assert.IsNull(totp.Verify(Sha1Seed, CodeAtStep37037036, lastAcceptedStep: null));
    }

    [TestMethod]
    public void A_code_two_steps_ahead_is_rejected()
    {
        // Step 37037035, two before the code's step.
        var totp = new Totp(ManualClock.AtUnixSeconds(1111111111 - 60), digits: 8);

        Assert.IsNull(totp.Verify(Sha1Seed, CodeAtStep37037037, lastAcceptedStep: null));
    }

    [TestMethod]
    public void A_wider_window_accepts_a_code_two_steps_old()
    {
        var totp = new Totp(ManualClock.AtUnixSeconds(1111111109 + 60), digits: 8, window: 2);

        Assert.AreEqual(37037036, totp.Verify(Sha1Seed, CodeAtStep37037036, lastAcceptedStep: null));
    }

    [TestMethod]
    public void A_zero_window_accepts_only_the_current_step()
    {
        var totp = new Totp(ManualClock.AtUnixSeconds(1111111111), digits: 8, window: 0);

        Assert.IsNull(totp.Verify(Sha1Seed, CodeAtStep37037036, lastAcceptedStep: null));
        Assert.AreEqual(37037037, totp.Verify(Sha1Seed, CodeAtStep37037037, lastAcceptedStep: null));
    }

    [TestMethod]
    public void A_code_cannot_be_used_twice()
    {
        var totp = new Totp(ManualClock.AtUnixSeconds(1234567890));
        var code = totp.Generate(Sha1Seed);
        var accepted = totp.Verify(Sha1Seed, code, lastAcceptedStep: null);

        var replayed = totp.Verify(Sha1Seed, code, lastAcceptedStep: accepted);

        Assert.AreEqual(41152263, accepted);
        Assert.IsNull(replayed);
    }

    [TestMethod]
    public void After_a_code_is_accepted_an_older_step_in_the_window_is_refused_and_a_newer_one_is_not()
    {
        var totp = new Totp(ManualClock.AtUnixSeconds(1234567890));
        const long now = 41152263;

        var older = totp.Verify(Sha1Seed, totp.GenerateForStep(Sha1Seed, now - 1), lastAcceptedStep: now);
        var newer = totp.Verify(Sha1Seed, totp.GenerateForStep(Sha1Seed, now + 1), lastAcceptedStep: now);

        Assert.IsNull(older);
        Assert.AreEqual(now + 1, newer);
    }

    [TestMethod]
    public void A_wrong_code_is_rejected()
    {
        var totp = new Totp(ManualClock.AtUnixSeconds(59), digits: 8);

        Assert.IsNull(totp.Verify(Sha1Seed, "94287083", lastAcceptedStep: null));
    }

    [TestMethod]
    public void A_code_for_another_secret_is_rejected()
    {
        var totp = new Totp(ManualClock.AtUnixSeconds(59), digits: 8);

        Assert.IsNull(totp.Verify(Sha256Seed, "94287082", lastAcceptedStep: null));
    }

    [TestMethod]
    public void Spaces_in_the_typed_code_are_ignored()
    {
        var totp = new Totp(ManualClock.AtUnixSeconds(59));

        Assert.AreEqual(1, totp.Verify(Sha1Seed, " 287 082 ", lastAcceptedStep: null));
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow("")]
    [DataRow("28708")]
    [DataRow("2870820")]
    [DataRow("94287082")]
    [DataRow("28708x")]
    [DataRow("-87082")]
    public void Input_that_is_not_six_digits_is_rejected(string? code)
    {
        var totp = new Totp(ManualClock.AtUnixSeconds(59));

        Assert.IsNull(totp.Verify(Sha1Seed, code, lastAcceptedStep: null));
    }

    [TestMethod]
    public void Settings_outside_the_supported_range_are_refused()
    {
        var clock = ManualClock.AtUnixSeconds(59);

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Totp(clock, digits: 7));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Totp(clock, window: -1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Totp(clock, window: 11));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Totp(clock, (OtpAlgorithm)42));
    }

    private static byte[] SeedFor(OtpAlgorithm algorithm) => algorithm switch
    {
        OtpAlgorithm.Sha1 => Sha1Seed,
        OtpAlgorithm.Sha256 => Sha256Seed,
        _ => Sha512Seed,
    };

    private static byte[] Seed(int length)
    {
        var ascii = Encoding.ASCII.GetBytes("12345678901234567890");
        return [.. Enumerable.Range(0, length).Select(i => ascii[i % ascii.Length])];
    }
}
