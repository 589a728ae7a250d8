using Microsoft.Extensions.Configuration;
using ServiceDefaults.Discovery;

namespace ServiceDefaults.Tests.Discovery;

[TestClass]
public sealed class ServiceEndpointResolverTests
{
    [TestMethod]
    public void A_logical_http_uri_resolves_to_the_first_http_endpoint()
    {
        var resolver = Resolver(("services:api:http:0", "http://10.0.0.5:5222"));

        var resolved = resolver.Resolve(new Uri("http://api/x?page=2"));

        Assert.AreEqual(new Uri("http://10.0.0.5:5222/x?page=2"), resolved);
    }

    [TestMethod]
    public void Https_is_preferred_when_the_service_has_both_schemes()
    {
        var resolver = Resolver(
            ("services:api:http:0", "http://10.0.0.5:5222"),
            ("services:api:https:0", "https://10.0.0.5:7222"));

        var resolved = resolver.Resolve(new Uri("https+http://api/orders"));

        Assert.AreEqual(new Uri("https://10.0.0.5:7222/orders"), resolved);
    }

    [TestMethod]
    public void Http_is_used_when_the_service_has_only_http()
    {
        var resolver = Resolver(("services:api:http:0", "http://10.0.0.5:5222"));

        var resolved = resolver.Resolve(new Uri("https+http://api/orders"));

        Assert.AreEqual(new Uri("http://10.0.0.5:5222/orders"), resolved);
    }

    [TestMethod]
    public void A_named_endpoint_reads_its_own_section()
    {
        var resolver = Resolver(
            ("services:api:http:0", "http://10.0.0.5:5222"),
            ("services:api:admin:0", "http://10.0.0.5:9000"));

        var resolved = resolver.Resolve(new Uri("http://_admin.api/metrics"));

        Assert.AreEqual(new Uri("http://10.0.0.5:9000/metrics"), resolved);
    }

    [TestMethod]
    public void The_default_section_wins_over_scheme_sections()
    {
        var resolver = Resolver(
            ("services:api:default:0", "https://api.example.com"),
            ("services:api:https:0", "https://10.0.0.5:7222"),
            ("services:api:http:0", "http://10.0.0.5:5222"));

        var resolved = resolver.Resolve(new Uri("https+http://api/orders"));

        Assert.AreEqual(new Uri("https://api.example.com/orders"), resolved);
    }

    [TestMethod]
    public void A_service_without_configuration_passes_through_unchanged()
    {
        var resolver = Resolver(("services:other:http:0", "http://10.0.0.5:5222"));

        var resolved = resolver.Resolve(new Uri("http://api:8080/orders?id=1"));

        Assert.AreEqual(new Uri("http://api:8080/orders?id=1"), resolved);
    }

    [TestMethod]
    public void A_combined_scheme_without_configuration_collapses_to_its_first_scheme()
    {
        var resolver = Resolver();

        var resolved = resolver.Resolve(new Uri("https+http://api/orders"));

        Assert.AreEqual(new Uri("https://api/orders"), resolved);
    }

    [TestMethod]
    public void An_endpoint_path_prefix_is_prepended_to_the_request_path()
    {
        var resolver = Resolver(("services:api:http:0", "http://gateway.local/api-v1/"));

        var resolved = resolver.Resolve(new Uri("http://api/orders/7"));

        Assert.AreEqual(new Uri("http://gateway.local/api-v1/orders/7"), resolved);
    }

    [TestMethod]
    public void Several_endpoints_take_turns()
    {
        var resolver = Resolver(
            ("services:api:http:0", "http://10.0.0.5:5222"),
            ("services:api:http:1", "http://10.0.0.6:5222"));

        var hosts = Enumerable.Range(0, 4).Select(_ => resolver.Resolve(new Uri("http://api/")).Host).ToList();

        CollectionAssert.AreEquivalent(new[] { "10.0.0.5", "10.0.0.6", "10.0.0.5", "10.0.0.6" }, hosts);
        Assert.AreNotEqual(hosts[0], hosts[1]);
        Assert.AreEqual(hosts[0], hosts[2]);
        Assert.AreEqual(hosts[1], hosts[3]);
    }

    [TestMethod]
    public void Each_service_takes_turns_regardless_of_calls_to_other_services()
    {
        var resolver = Resolver(
            ("services:api:http:0", "http://10.0.0.5:5222"),
            ("services:api:http:1", "http://10.0.0.6:5222"),
            ("services:billing:http:0", "http://10.0.1.5:5222"),
            ("services:billing:http:1", "http://10.0.1.6:5222"));

        var apiHosts = new List<string>();
        for (var call = 0; call < 4; call++)
        {
            apiHosts.Add(resolver.Resolve(new Uri("http://api/")).Host);
            resolver.Resolve(new Uri("http://billing/"));
        }

        CollectionAssert.AreEquivalent(new[] { "10.0.0.5", "10.0.0.6", "10.0.0.5", "10.0.0.6" }, apiHosts);
    }

    [TestMethod]
    public void A_single_string_value_is_an_endpoint_too()
    {
        var resolver = Resolver(("services:api:http", "http://10.0.0.5:5222"));

        var resolved = resolver.Resolve(new Uri("http://api/x"));

        Assert.AreEqual(new Uri("http://10.0.0.5:5222/x"), resolved);
    }

    private static ServiceEndpointResolver Resolver(params (string Key, string Value)[] settings) =>
        new(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());
}
