using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.Validation;
using Platform.Webhooks;

namespace Platform.Tests.Webhooks;

[TestClass]
public sealed class WebhookTargetPolicyTests
{
    private static WebhookTargetPolicy Policy(bool requireHttps = false, params string[] allowed) =>
        new(Microsoft.Extensions.Options.Options.Create(new WebhookOptions { RequireHttps = requireHttps, AllowedTargets = [.. allowed] }));

    [TestMethod]
    [DataRow("10.0.0.1")]
    [DataRow("172.16.5.4")]
    [DataRow("192.168.1.1")]
    [DataRow("127.0.0.1")]
    [DataRow("127.8.9.10")]
    [DataRow("169.254.169.254")]
    [DataRow("100.64.0.1")]
    [DataRow("0.0.0.0")]
    [DataRow("224.0.0.251")]
    [DataRow("255.255.255.255")]
    [DataRow("::")]
    [DataRow("::1")]
    [DataRow("fe80::1")]
    [DataRow("fd00::1")]
    [DataRow("ff02::1")]
    [DataRow("::ffff:10.0.0.1")]
    [DataRow("::ffff:127.0.0.1")]
    [DataRow("::ffff:169.254.169.254")]
    [DataRow("64:ff9b::7f00:1")]
    [DataRow("2002:a00:1::")]
    [DataRow("2001::1")]
    [DataRow("2001:0:4136:e378:8000:63bf:3fff:fdd2")]
    [DataRow("2001:db8::1")]
    [DataRow("100::1")]
    [DataRow("::ffff:8.8.8.8")]
    public void Internal_addresses_are_refused(string address) =>
        Assert.IsFalse(Policy().IsPermitted(IPAddress.Parse(address)), address);

    [TestMethod]
    [DataRow("8.8.8.8")]
    [DataRow("1.1.1.1")]
    [DataRow("2606:4700:4700::1111")]
    [DataRow("2001:4860:4860::8888")]
    public void Public_addresses_are_permitted(string address) =>
        Assert.IsTrue(Policy().IsPermitted(IPAddress.Parse(address)), address);

    [TestMethod]
    [DataRow("http://10.0.0.5/hook")]
    [DataRow("http://169.254.169.254/latest/meta-data")]
    [DataRow("http://[::1]:8080/hook")]
    [DataRow("http://[::ffff:127.0.0.1]/hook")]
    [DataRow("http://localhost/hook")]
    [DataRow("http://127.0.0.1:5081/api")]
    [DataRow("ftp://8.8.8.8/file")]
    [DataRow("file:///etc/passwd")]
    [DataRow("gopher://8.8.8.8/")]
    [DataRow("http://user:password@8.8.8.8/hook")]
    [DataRow("not a url")]
    [DataRow("/relative/path")]
    [DataRow("http://no-such-host.invalid/hook")]
    [DataRow("http://intranet/hook")]
    [DataRow("http://metadata/computeMetadata/v1")]
    public async Task Saving_an_internal_unresolvable_or_non_http_url_is_refused(string url)
    {
        var refused = await Assert.ThrowsExactlyAsync<ValidationFailedException>(() => Policy().ValidateAsync(url));

        Assert.IsTrue(refused.Errors.ContainsKey("url"), url);
    }

    [TestMethod]
    public async Task A_public_https_url_is_accepted_and_production_refuses_plain_http()
    {
        Assert.AreEqual("https://8.8.8.8/hook", (await Policy().ValidateAsync("https://8.8.8.8/hook")).AbsoluteUri);
        Assert.AreEqual("http://8.8.8.8/hook", (await Policy().ValidateAsync("http://8.8.8.8/hook")).AbsoluteUri);

        var refused = await Assert.ThrowsExactlyAsync<ValidationFailedException>(() => Policy(requireHttps: true).ValidateAsync("http://8.8.8.8/hook"));
        StringAssert.Contains(refused.Errors["url"][0], "https");
    }

    [TestMethod]
    [DataRow("Production", "false", true)]
    [DataRow("Development", "false", false)]
    [DataRow("Staging", "true", true)]
    public void Production_always_requires_https(string environment, string configured, bool required)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new Microsoft.Extensions.Hosting.HostApplicationBuilderSettings { EnvironmentName = environment });
        builder.Configuration["Webhooks:RequireHttps"] = configured;
        builder.AddWebhooks();
        using var services = builder.Services.BuildServiceProvider();

        Assert.AreEqual(required, services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WebhookOptions>>().Value.RequireHttps);
    }

    [TestMethod]
    public async Task The_operator_allow_list_permits_networks_addresses_and_host_names()
    {
        var policy = Policy(false, "127.0.0.1", "10.1.0.0/16", "localhost");

        Assert.IsTrue(policy.IsPermitted(IPAddress.Parse("127.0.0.1")));
        Assert.IsTrue(policy.IsPermitted(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.IsTrue(policy.IsPermitted(IPAddress.Parse("10.1.200.3")));
        Assert.IsFalse(policy.IsPermitted(IPAddress.Parse("10.2.0.1")));
        Assert.IsFalse(policy.IsPermitted(IPAddress.Parse("127.0.0.2")));
        await policy.ValidateAsync("http://127.0.0.1:9/hook");
        await policy.ValidateAsync("http://10.1.0.7:9/hook");
        // A host name entry lets that name through whatever it resolves to.
        await Policy(false, "localhost").ValidateAsync("http://localhost:9/hook");
        await Assert.ThrowsExactlyAsync<ValidationFailedException>(() => Policy(false, "localhost").ValidateAsync("http://127.0.0.1:9/hook"));
    }

    [TestMethod]
    [DataRow("http://10.20.30.40/hook", "10.20.30.40")]
    [DataRow("http://[fd12:3456::7]/hook", "fd12:3456::7")]
    [DataRow("http://[::ffff:192.168.7.9]/hook", "192.168.7.9")]
    public async Task A_refusal_does_not_tell_which_internal_address_was_reached(string url, string address)
    {
        var refused = await Assert.ThrowsExactlyAsync<ValidationFailedException>(() => Policy().ValidateAsync(url));

        Assert.AreEqual(WebhookTargetPolicy.RefusedMessage, refused.Errors["url"].Single());
        Assert.DoesNotContain(address, refused.Errors["url"].Single());
    }

    [TestMethod]
    public async Task A_single_label_host_is_refused_unless_allow_listed_by_name_and_teredo_unless_allow_listed()
    {
        var refused = await Assert.ThrowsExactlyAsync<ValidationFailedException>(() => Policy().ValidateAsync("http://localhost:9/hook"));
        StringAssert.Contains(refused.Errors["url"].Single(), "single-label");

        Assert.AreEqual("http://localhost:9/hook", (await Policy(false, "localhost").ValidateAsync("http://localhost:9/hook")).AbsoluteUri);
        Assert.IsTrue(Policy(false, "2001::/32").IsPermitted(IPAddress.Parse("2001:0:4136:e378:8000:63bf:3fff:fdd2")), "an operator may allow Teredo");
        Assert.IsFalse(Policy(false, "2001::/32").IsPermitted(IPAddress.Parse("2001:db8::1")), "documentation addresses stay refused");
    }
}
