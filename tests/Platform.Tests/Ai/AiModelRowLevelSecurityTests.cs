using Npgsql;
using Platform.Ai;
using Platform.Data;
using Platform.Tenancy;
using TestKit;

namespace Platform.Tests.Ai;

/// <summary>
/// The model repository under row-level security, as the application role: an organization sees its own
/// models and the platform's, never another organization's, and cannot write platform models.
/// </summary>
[TestClass]
public sealed class AiModelRowLevelSecurityTests
{
    private static TestDatabase _db = null!;
    private static Guid _a;
    private static Guid _b;
    private static AiModelStore _store = null!;

    [ClassInitialize]
    public static async Task Start(TestContext context)
    {
        _db = await TestEnvironment.CreateDatabaseAsync("ai_rls");
        await SchemaUpdater.UpdateAsync(_db.OwnerConnectionString);
        (_a, _b) = (Guid.NewGuid(), Guid.NewGuid());
        await using (var owner = new NpgsqlConnection(_db.OwnerConnectionString))
        {
            await owner.OpenAsync();
            await using var seed = new NpgsqlCommand("INSERT INTO organizations (id, slug, name) VALUES ($1, 'ai-a', 'A'), ($2, 'ai-b', 'B')", owner)
            {
                Parameters = { new() { Value = _a }, new() { Value = _b } },
            };
            await seed.ExecuteNonQueryAsync();
        }

        _store = new AiModelStore(NpgsqlDataSource.Create(_db.AppConnectionString));
        await AddAsync(_a, "a-model");
        await AddAsync(_b, "b-model");
        await _store.PublishPlatformModelAsync(new NewAiModel("shared", "test", [1, 2, 3]));
    }

    [TestMethod]
    public async Task An_organization_lists_its_own_models_and_the_platforms_only()
    {
        var seenByA = (await _store.ListAsync(_a)).Select(m => m.Name).ToList();
        var seenByB = (await _store.ListAsync(_b)).Select(m => m.Name).ToList();

        CollectionAssert.AreEquivalent(new[] { "a-model", "shared" }, seenByA);
        CollectionAssert.AreEquivalent(new[] { "b-model", "shared" }, seenByB);
        Assert.IsTrue(await _store.IsServableAsync(_a, "shared"));
        Assert.IsFalse(await _store.IsServableAsync(_a, "b-model"));
    }

    [TestMethod]
    public async Task An_organization_cannot_write_a_platform_model_or_another_organizations()
    {
        await using var connection = new NpgsqlConnection(_db.AppConnectionString);
        await connection.OpenAsync();
        foreach (var (target, sql) in new (Guid? Tenant, string Sql)[]
        {
            (null, "INSERT INTO ai_models (tenant_id, name, version, model_type, onnx) VALUES (NULL, 'forged', 1, 't', '\\x01')"),
            (_b, "INSERT INTO ai_models (tenant_id, name, version, model_type, onnx) VALUES ($1, 'forged', 1, 't', '\\x01')"),
        })
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await TenantSession.ApplyAsync(connection, transaction, _a, null, CancellationToken.None);
            await using var insert = new NpgsqlCommand(sql, connection, transaction);
            if (target is { } tenant)
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = tenant });
            }

            var error = await Assert.ThrowsExactlyAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());
            Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, error.SqlState, "row-level security refused it");
            await transaction.RollbackAsync();
        }

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await TenantSession.ApplyAsync(connection, transaction, _a, null, CancellationToken.None);
            await using var update = new NpgsqlCommand("UPDATE ai_models SET is_active = false WHERE name IN ('shared', 'b-model')", connection, transaction);
            Assert.AreEqual(0, await update.ExecuteNonQueryAsync(), "neither the platform's nor B's rows can be changed by A");
            await transaction.RollbackAsync();
        }
    }

    private static async Task AddAsync(Guid tenant, string name)
    {
        await using var connection = new NpgsqlConnection(_db.AppConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await TenantSession.ApplyAsync(connection, transaction, tenant, null, CancellationToken.None);
        var stored = await AiModelStore.AddVersionAsync(connection, transaction, tenant, null, new NewAiModel(name, "test", [1, 2, 3]));
        await AiModelStore.ActivateAsync(connection, transaction, tenant, name, stored.Version);
        await transaction.CommitAsync();
    }
}
