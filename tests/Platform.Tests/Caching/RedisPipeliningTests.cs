using System.Globalization;
using Platform.Caching;

namespace Platform.Tests.Caching;

[TestClass]
public sealed class RedisPipeliningTests
{
    private const int Commands = 10_000;
    private static readonly string Prefix = $"pipelining:{Guid.NewGuid():N}:";

    [TestMethod]
    public async Task Ten_thousand_concurrent_commands_each_get_their_own_reply()
    {
        await using var client = await RedisTestServers.SharedClientAsync();
        // Each caller increments its own key by its own amount, so any mismatched reply shows up as a wrong number.
        var replies = await Task.WhenAll(Enumerable.Range(1, Commands).Select(i => client.IncrementAsync(Prefix + i.ToString(CultureInfo.InvariantCulture), i)));

        for (var i = 1; i <= Commands; i++)
        {
            Assert.AreEqual(i, replies[i - 1]);
        }
    }

    [TestMethod]
    public async Task Concurrent_sets_and_gets_from_many_threads_read_back_their_own_values()
    {
        await using var client = await RedisTestServers.SharedClientAsync();

        await Parallel.ForAsync(0, 2_000, async (i, token) =>
        {
            var key = $"{Prefix}value:{i}";
            var value = Guid.NewGuid().ToByteArray();
            await client.SetAsync(key, value, cancellationToken: token);
            CollectionAssert.AreEqual(value, await client.GetAsync(key, token));
        });
    }
}
