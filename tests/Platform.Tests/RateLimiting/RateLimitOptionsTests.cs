using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Platform.RateLimiting;

namespace Platform.Tests.RateLimiting;

[TestClass]
public sealed class RateLimitOptionsTests
{
    [TestMethod]
    public void Configuration_overrides_single_values_and_keeps_the_other_defaults()
    {
        var options = Bind(new()
        {
            ["RateLimiting:Plans:pro:Limit"] = "900",
            ["RateLimiting:Plans:startup:Limit"] = "300",
            ["RateLimiting:Plans:startup:Window"] = "00:01:00",
            ["RateLimiting:Policies:auth:Limit"] = "5",
            ["RateLimiting:WhenRedisUnavailable"] = "Allow",
        }).Value;

        Assert.AreEqual(900, options.Plans["PRO"].Limit);
        Assert.AreEqual(TimeSpan.FromMinutes(1), options.Plans["pro"].Window, "the default window stays");
        Assert.AreEqual(300, options.Plans["startup"].Limit);
        Assert.AreEqual(120, options.Plans["free"].Limit);
        Assert.AreEqual(5, options.Policies["auth"].Limit);
        Assert.AreEqual(30, options.Anonymous.Limit);
        Assert.AreEqual(RateLimitRedisFailureMode.Allow, options.WhenRedisUnavailable);
    }

    [TestMethod]
    public void A_policy_without_a_positive_limit_is_refused()
    {
        var options = Bind(new() { ["RateLimiting:Anonymous:Limit"] = "0" });

        var error = Assert.ThrowsExactly<OptionsValidationException>(() => options.Value);
        StringAssert.Contains(error.Message, "Limit >= 1");
    }

    private static IOptions<RateLimitOptions> Bind(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddTenantRateLimiting();
        return builder.Services.BuildServiceProvider().GetRequiredService<IOptions<RateLimitOptions>>();
    }
}
