using System.Text.RegularExpressions;
using Platform.Identity.Mfa;

namespace Platform.Tests.Identity.Mfa;

[TestClass]
public sealed partial class RecoveryCodesTests
{
    [TestMethod]
    public void Ten_distinct_codes_of_two_groups_of_five_are_generated_by_default()
    {
        var generated = RecoveryCodes.Generate();

        Assert.HasCount(10, generated.Codes);
        Assert.HasCount(10, generated.Hashes);
        Assert.HasCount(10, generated.Codes.Distinct());
        foreach (var code in generated.Codes)
        {
            Assert.MatchesRegex(CodeShape(), code);
        }
    }

    [TestMethod]
    public void Codes_avoid_characters_that_look_alike()
    {
        var codes = string.Concat(RecoveryCodes.Generate(count: 20).Codes);

        Assert.AreEqual(-1, codes.IndexOfAny(['0', 'o', 'O', '1', 'l', 'I', 'i']));
    }

    [TestMethod]
    public void Only_hashes_are_stored_and_they_do_not_contain_the_code()
    {
        var generated = RecoveryCodes.Generate(count: 3);

        for (var i = 0; i < 3; i++)
        {
            StringAssert.StartsWith(generated.Hashes[i], "pbkdf2-sha256$");
            Assert.DoesNotContain(generated.Codes[i].Replace("-", "", StringComparison.Ordinal), generated.Hashes[i]);
        }
    }

    [TestMethod]
    public void A_code_redeems_once_and_its_hash_is_removed()
    {
        var generated = RecoveryCodes.Generate();
        var code = generated.Codes[4];

        var redeemed = RecoveryCodes.TryRedeem(generated.Hashes, code, out var remaining);

        Assert.IsTrue(redeemed);
        Assert.HasCount(9, remaining);
        CollectionAssert.AreEqual(generated.Hashes.Where((_, i) => i != 4).ToArray(), remaining.ToArray());
    }

    [TestMethod]
    public void A_redeemed_code_cannot_be_used_again()
    {
        var generated = RecoveryCodes.Generate(count: 3);
        RecoveryCodes.TryRedeem(generated.Hashes, generated.Codes[0], out var afterFirst);

        var again = RecoveryCodes.TryRedeem(afterFirst, generated.Codes[0], out var afterSecond);

        Assert.IsFalse(again);
        Assert.HasCount(2, afterSecond);
    }

    [TestMethod]
    public void Each_code_redeems_in_turn_until_none_remain()
    {
        var generated = RecoveryCodes.Generate(count: 3);
        var hashes = generated.Hashes;

        foreach (var code in generated.Codes.Reverse())
        {
            Assert.IsTrue(RecoveryCodes.TryRedeem(hashes, code, out hashes), code);
        }

        Assert.IsEmpty(hashes);
    }

    [TestMethod]
    public void Input_is_normalized_for_case_spaces_and_dashes()
    {
        var generated = RecoveryCodes.Generate(count: 3);
        var code = generated.Codes[1];
        var typed = " " + code.ToUpperInvariant().Replace("-", " - ", StringComparison.Ordinal) + " ";
        var undashed = generated.Codes[2].Replace("-", "", StringComparison.Ordinal);

        Assert.IsTrue(RecoveryCodes.TryRedeem(generated.Hashes, typed, out var remaining));
        Assert.IsTrue(RecoveryCodes.TryRedeem(remaining, undashed, out remaining));
        CollectionAssert.AreEqual(new[] { generated.Hashes[0] }, remaining.ToArray());
    }

    [TestMethod]
    public void A_wrong_code_is_rejected_and_nothing_is_removed()
    {
        var generated = RecoveryCodes.Generate(count: 3);
        var wrong = WrongButWellFormed(generated.Codes);

        var redeemed = RecoveryCodes.TryRedeem(generated.Hashes, wrong, out var remaining);

        Assert.IsFalse(redeemed);
        CollectionAssert.AreEqual(generated.Hashes.ToArray(), remaining.ToArray());
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow("")]
    [DataRow("abcde-fghj")]
    [DataRow("abcde-fghjkm")]
    [DataRow("abcde-fgh0k")]
    public void Input_that_cannot_be_a_code_is_rejected(string? input)
    {
        var generated = RecoveryCodes.Generate(count: 1);

        Assert.IsFalse(RecoveryCodes.TryRedeem(generated.Hashes, input, out var remaining));
        Assert.HasCount(1, remaining);
    }

    [TestMethod]
    public void A_code_from_another_users_set_is_rejected()
    {
        var alice = RecoveryCodes.Generate(count: 2);
        var bob = RecoveryCodes.Generate(count: 2);

        Assert.IsFalse(RecoveryCodes.TryRedeem(alice.Hashes, bob.Codes[0], out _));
    }

    [TestMethod]
    public void A_corrupt_stored_hash_is_a_format_error()
    {
        var generated = RecoveryCodes.Generate(count: 1);

        Assert.ThrowsExactly<FormatException>(() => RecoveryCodes.TryRedeem(["sha1$abc"], generated.Codes[0], out _));
    }

    [GeneratedRegex("^[2-9a-hjkmnp-z]{5}-[2-9a-hjkmnp-z]{5}$")]
    private static partial Regex CodeShape();

    /// <summary>A code in the right shape that is none of <paramref name="codes"/>: the first with one character changed.</summary>
    private static string WrongButWellFormed(IReadOnlyList<string> codes)
    {
        var chars = codes[0].ToCharArray();
        chars[0] = chars[0] == '2' ? '3' : '2';
        var wrong = new string(chars);
        Assert.DoesNotContain(wrong, codes);
        return wrong;
    }
}
