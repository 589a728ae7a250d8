using Platform.Data;

namespace Platform.Tests.Data;

[TestClass]
public sealed class SnakeCaseNamesTests
{
    [TestMethod]
    [DataRow("Id", "id")]
    [DataRow("TenantId", "tenant_id")]
    [DataRow("NormalizedUserName", "normalized_user_name")]
    [DataRow("TwoFactorEnabled", "two_factor_enabled")]
    [DataRow("Ip", "ip")]
    [DataRow("HTTPStatus", "http_status")]
    public void Property_names_become_the_columns_the_migrations_create(string property, string column) =>
        Assert.AreEqual(column, SnakeCaseNames.ToSnakeCase(property));
}
