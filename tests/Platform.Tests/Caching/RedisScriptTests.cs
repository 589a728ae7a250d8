using Platform.Caching;

namespace Platform.Tests.Caching;

[TestClass]
public sealed class RedisScriptTests
{
    private const string IncrementAndTag = """
        local value = redis.call('INCRBY', KEYS[1], ARGV[1])
        redis.call('SET', KEYS[2], ARGV[2])
        return value
        """;

    private static readonly string Prefix = $"scripts:{Guid.NewGuid():N}:";

    [TestMethod]
    public async Task Evaluate_runs_a_script_with_keys_and_arguments()
    {
        await using var client = await RedisTestServers.SharedClientAsync();

        var first = await client.EvaluateAsync(IncrementAndTag, [Prefix + "count", Prefix + "tag"], ["5", "five"]);
        var second = await client.EvaluateAsync(IncrementAndTag, [Prefix + "count", Prefix + "tag"], ["2", "seven"]);

        Assert.AreEqual(5, first.AsInt64());
        Assert.AreEqual(7, second.AsInt64());
        Assert.AreEqual("seven", await client.GetStringAsync(Prefix + "tag"));
    }

    [TestMethod]
    public async Task Evaluate_loads_the_script_again_when_the_server_has_forgotten_it()
    {
        await using var client = await RedisTestServers.SharedClientAsync();
        const string Script = "return 'still works ' .. ARGV[1]";
        await client.EvaluateAsync(Script, arguments: ["once"]);
        var sha = (await client.ExecuteAsync("SCRIPT", ["LOAD", Script])).AsString()!;

        await client.ExecuteAsync("SCRIPT", ["FLUSH"]);
        var noScript = await Assert.ThrowsExactlyAsync<RedisServerException>(() => client.ExecuteAsync("EVALSHA", [sha, "0", "x"]));
        var reply = await client.EvaluateAsync(Script, arguments: ["twice"]);

        Assert.AreEqual("NOSCRIPT", noScript.ErrorCode);
        Assert.AreEqual("still works twice", reply.AsString());
    }

    [TestMethod]
    public async Task Script_error_becomes_RedisServerException()
    {
        await using var client = await RedisTestServers.SharedClientAsync();

        var error = await Assert.ThrowsExactlyAsync<RedisServerException>(() => client.EvaluateAsync("return redis.call('NOSUCHCOMMAND')"));

        StringAssert.Contains(error.ServerMessage, "Unknown Redis command");
    }
}
