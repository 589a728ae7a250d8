using Microsoft.Extensions.Logging.Abstractions;
using Platform.Caching;

namespace Platform.Tests.Caching;

/// <summary>Version counters read from memory on the hot path, with bumps announced to every replica.</summary>
[TestClass]
public sealed class SharedVersionsTests
{
    private static readonly string Prefix = $"versions:{Guid.NewGuid():N}:";

    [TestMethod]
    public async Task A_bump_on_one_replica_reaches_another_without_waiting_for_its_reread()
    {
        // A clock that never moves: replica B never re-reads on its own, so only the announcement can tell it.
        var frozen = new FrozenClock();
        await using var clientA = await RedisTestServers.SharedClientAsync();
        await using var clientB = await RedisTestServers.SharedClientAsync();
        await using var replicaA = new SharedVersions(clientA, frozen, NullLogger<SharedVersions>.Instance);
        await using var replicaB = new SharedVersions(clientB, frozen, NullLogger<SharedVersions>.Instance);
        var key = Prefix + "announced";
        var before = await replicaB.GetAsync(key);

        var bumped = await replicaA.BumpAsync(key);

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await replicaB.GetAsync(key) != bumped && waited.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(5);
        }

        Assert.AreEqual(before + 1, bumped);
        Assert.AreEqual(bumped, await replicaB.GetAsync(key));
    }

    [TestMethod]
    public async Task Reads_within_the_freshness_window_cost_no_round_trip()
    {
        var frozen = new FrozenClock();
        await using var client = await RedisTestServers.SharedClientAsync();
        await using var versions = new SharedVersions(client, frozen, NullLogger<SharedVersions>.Instance);
        var key = Prefix + "quiet";
        var first = await versions.GetAsync(key);

        // Changed behind its back (not through BumpAsync, so nobody announces it): memory still answers...
        await client.IncrementAsync(key);
        Assert.AreEqual(first, await versions.GetAsync(key));

        // ...until the window has passed, then Redis is read again.
        frozen.Advance(SharedVersions.Freshness);
        Assert.AreEqual(first + 1, await versions.GetAsync(key));
    }

    [TestMethod]
    public async Task A_lost_counter_comes_back_above_every_value_handed_out()
    {
        await using var client = await RedisTestServers.SharedClientAsync();
        await using var versions = new SharedVersions(client, TimeProvider.System, NullLogger<SharedVersions>.Instance);
        var key = Prefix + "lost";
        var handedOut = await versions.BumpAsync(key);
        await client.DeleteAsync(key);

        var recreated = await versions.BumpAsync(key);

        Assert.IsGreaterThan(handedOut, recreated);
    }

    private sealed class FrozenClock : TimeProvider
    {
        private long _timestamp = 1_000_000;

        public override long GetTimestamp() => _timestamp;

        public override DateTimeOffset GetUtcNow() => new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

        public void Advance(TimeSpan by) => _timestamp += (long)(by.TotalSeconds * TimestampFrequency);
    }
}
