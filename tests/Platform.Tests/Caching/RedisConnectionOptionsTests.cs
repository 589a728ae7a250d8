using Platform.Caching;

namespace Platform.Tests.Caching;

[TestClass]
public sealed class RedisConnectionOptionsTests
{
    [TestMethod]
    public void Parses_aspire_connection_string()
    {
        var options = RedisConnectionOptions.Parse("cache.internal:6400,password=s3cret,user=api,name=worker,defaultDatabase=2");

        Assert.AreEqual("cache.internal", options.Host);
        Assert.AreEqual(6400, options.EffectivePort);
        Assert.AreEqual("s3cret", options.Password);
        Assert.AreEqual("api", options.User);
        Assert.AreEqual("worker", options.ClientName);
        Assert.AreEqual(2, options.DefaultDatabase);
        Assert.IsFalse(options.Ssl);
    }

    [TestMethod]
    public void Ssl_without_port_uses_azure_tls_port_6380()
    {
        var options = RedisConnectionOptions.Parse("myapp.redis.cache.windows.net,ssl=True,password=key,abortConnect=False");

        Assert.IsTrue(options.Ssl);
        Assert.AreEqual(6380, options.EffectivePort);
    }

    [TestMethod]
    public void Timeouts_are_read_in_milliseconds_and_unneeded_settings_are_ignored()
    {
        var options = RedisConnectionOptions.Parse("localhost,connectTimeout=1500,syncTimeout=250,keepAlive=60,connectRetry=3");

        Assert.AreEqual(6379, options.EffectivePort);
        Assert.AreEqual(TimeSpan.FromMilliseconds(1500), options.ConnectTimeout);
        Assert.AreEqual(TimeSpan.FromMilliseconds(250), options.CommandTimeout);
    }

    [TestMethod]
    public void Ipv6_endpoint_in_brackets_is_accepted()
    {
        var options = RedisConnectionOptions.Parse("[::1]:7000");

        Assert.AreEqual("::1", options.Host);
        Assert.AreEqual("[::1]:7000", options.EndPoint);
    }

    [TestMethod]
    [DataRow("localhost:abc", "abc")]
    [DataRow("localhost:70000", "70000")]
    [DataRow("localhost,ssl=maybe", "ssl")]
    [DataRow("localhost,colour=blue", "colour")]
    [DataRow("localhost,connectTimeout=soon", "connectTimeout")]
    [DataRow("password=x", "endpoint")]
    [DataRow("one:1,two:2", "second endpoint")]
    public void Garbage_is_rejected_naming_the_bad_part(string connectionString, string named)
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => RedisConnectionOptions.Parse(connectionString));

        StringAssert.Contains(error.Message, named);
    }

    [TestMethod]
    public void Description_never_shows_the_password()
    {
        var options = RedisConnectionOptions.Parse("localhost:6379,password=hunter2");

        Assert.IsFalse(options.ToString().Contains("hunter2", StringComparison.Ordinal));
    }
}
