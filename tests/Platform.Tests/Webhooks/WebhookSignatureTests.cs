using System.Text;
using Platform.Webhooks;
using TestKit;

namespace Platform.Tests.Webhooks;

[TestClass]
public sealed class WebhookSignatureTests
{
    private const string SpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string SpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long SpecTimestamp = 1614265330;
    private const string SpecBody = "{\"test\": 2432232314}";
    private const string SpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [TestMethod]
    public void The_spec_test_vector_signs_as_published_and_the_independent_verifier_accepts_it()
    {
        var body = Encoding.UTF8.GetBytes(SpecBody);

        var signature = WebhookSignature.Sign(SpecId, SpecTimestamp, body, [SpecSecret]);

        Assert.AreEqual(SpecSignature, signature);
        var at = DateTimeOffset.FromUnixTimeSeconds(SpecTimestamp);
        Assert.IsTrue(StandardWebhooksVerifier.Verify(SpecSecret, SpecId, "1614265330", body, SpecSignature, at));
        Assert.IsFalse(StandardWebhooksVerifier.Verify(SpecSecret, SpecId, "1614265330", Encoding.UTF8.GetBytes("{\"test\":2432232314}"), SpecSignature, at), "other bytes, other signature");
        Assert.IsFalse(StandardWebhooksVerifier.Verify(SpecSecret, SpecId, "1614265330", body, SpecSignature, at.AddMinutes(6)), "outside the 5-minute tolerance");
    }

    [TestMethod]
    public void Several_secrets_give_space_separated_signatures_in_order()
    {
        var other = WebhookSignature.NewSecret();

        var header = WebhookSignature.Sign(SpecId, SpecTimestamp, Encoding.UTF8.GetBytes(SpecBody), [other, SpecSecret]);

        var parts = header.Split(' ');
        Assert.HasCount(2, parts);
        Assert.AreEqual(SpecSignature, parts[1]);
        Assert.IsTrue(StandardWebhooksVerifier.Verify(other, SpecId, "1614265330", Encoding.UTF8.GetBytes(SpecBody), parts[0], DateTimeOffset.FromUnixTimeSeconds(SpecTimestamp)));
    }

    [TestMethod]
    public void New_secrets_are_whsec_and_base64_of_24_to_64_random_bytes()
    {
        var secrets = Enumerable.Range(0, 20).Select(_ => WebhookSignature.NewSecret()).ToList();

        Assert.HasCount(20, secrets.Distinct());
        foreach (var secret in secrets)
        {
            StringAssert.StartsWith(secret, "whsec_");
            Assert.IsInRange(24, 64, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        }

        Assert.ThrowsExactly<FormatException>(() => WebhookSignature.KeyOf("whsec_" + Convert.ToBase64String(new byte[8])));
    }

    [TestMethod]
    public void Retry_delays_follow_the_schedule_with_jitter_a_minute_when_throttled_and_retry_after_clamped()
    {
        Assert.AreEqual(TimeSpan.FromSeconds(5), WebhookDispatcher.RetryDelay(1, throttled: false, retryAfter: null, random: 0.5));
        Assert.AreEqual(TimeSpan.FromSeconds(4), WebhookDispatcher.RetryDelay(1, throttled: false, retryAfter: null, random: 0));
        Assert.AreEqual(TimeSpan.FromHours(12), WebhookDispatcher.RetryDelay(7, throttled: false, retryAfter: null, random: 1));
        Assert.AreEqual(TimeSpan.FromSeconds(60), WebhookDispatcher.RetryDelay(1, throttled: true, retryAfter: null, random: 0.5), "a timeout or 429 waits at least a minute");
        Assert.AreEqual(TimeSpan.FromMinutes(30), WebhookDispatcher.RetryDelay(3, throttled: true, retryAfter: null, random: 0.5), "but never less than the schedule");
        Assert.AreEqual(TimeSpan.FromMinutes(5), WebhookDispatcher.RetryDelay(2, throttled: false, retryAfter: TimeSpan.FromSeconds(1), random: 0.5), "Retry-After below the schedule is raised to it");
        Assert.AreEqual(TimeSpan.FromMinutes(7), WebhookDispatcher.RetryDelay(2, throttled: false, retryAfter: TimeSpan.FromMinutes(7), random: 0.5));
        Assert.AreEqual(TimeSpan.FromMinutes(10), WebhookDispatcher.RetryDelay(2, throttled: false, retryAfter: TimeSpan.FromDays(1), random: 0.5), "and above twice the schedule is cut to that");
        CollectionAssert.AreEqual(
            new[] { 0, 5, 300, 1800, 7200, 18000, 36000, 36000 },
            WebhookDispatcher.Schedule.Select(d => (int)d.TotalSeconds).ToArray());
    }
}
