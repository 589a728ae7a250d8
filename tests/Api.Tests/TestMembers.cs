using Npgsql;
using Platform.Access;

namespace Api.Tests;

/// <summary>Adds an existing account to another organization with a role, as an invitation would.</summary>
internal static class TestMembers
{
    public static async Task AddAsync(string superuserConnectionString, Guid organizationId, Guid userId, SystemRole role)
    {
        await using var connection = new NpgsqlConnection(superuserConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "INSERT INTO organization_members (tenant_id, user_id) VALUES (@t, @u); INSERT INTO member_roles (tenant_id, user_id, role_id) VALUES (@t, @u, @r)", connection);
        command.Parameters.AddWithValue("t", organizationId);
        command.Parameters.AddWithValue("u", userId);
        command.Parameters.AddWithValue("r", role.Id);
        await command.ExecuteNonQueryAsync();
    }
}
