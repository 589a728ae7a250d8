using System.Net;
using System.Text.Json.Nodes;
using AiInference.Runtime.Modelling.Samples;
using Npgsql;
using static AiInference.Tests.Serving.ProtocolClient;

namespace AiInference.Tests.Serving;

[TestClass]
public sealed class PredictionLogTests
{
    [TestMethod]
    public async Task Every_prediction_is_logged_with_tenant_model_summary_confidence_and_latency()
    {
        await using var server = await InferenceServerFactory.CreateAsync("predlog");
        var tenant = await server.AddOrganizationAsync("logged");
        var model = await server.PublishAsync(tenant, "logged-model", LogisticModel.Random(4, seed: 9).Build());
        await server.WaitUntilServedAsync(tenant, "logged-model", 1);
        using var client = server.ClientFor(tenant);

        for (var i = 0; i < 5; i++)
        {
            var request = Request(Tensor("features", "FP32", [2, 4], Floats(new float[8])));
            request["id"] = $"p{i}";
            var (status, _) = await InferAsync(client, "logged-model", request);
            Assert.AreEqual(HttpStatusCode.OK, status);
        }

        var rows = await WaitForRowsAsync(server, tenant, 5);

        Assert.HasCount(5, rows);
        CollectionAssert.AreEquivalent(new[] { "p0", "p1", "p2", "p3", "p4" }, rows.Select(r => r.RequestId).ToArray());
        foreach (var row in rows)
        {
            Assert.AreEqual(model.Id, row.ModelId);
            Assert.AreEqual(1, row.Version);
            var input = JsonNode.Parse(row.InputSummary)![0]!;
            Assert.AreEqual("features", input["name"]!.GetValue<string>());
            Assert.AreEqual("[2,4]", input["shape"]!.ToJsonString());
            Assert.IsNull(input["data"], "input data is not kept");
            Assert.HasCount(2, JsonNode.Parse(row.Output)!["probability"]!.AsArray());
            Assert.IsNotNull(row.Confidence);
            Assert.IsGreaterThan(0f, row.LatencyMs);
        }
    }

    private static async Task<List<(string? RequestId, Guid ModelId, int Version, string InputSummary, string Output, float? Confidence, float LatencyMs)>> WaitForRowsAsync(
        InferenceServerFactory server, Guid tenant, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await using var connection = new NpgsqlConnection(server.Database.SuperuserConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT request_id, model_id, model_version, input_summary::text, output::text, confidence, latency_ms FROM ai_predictions WHERE tenant_id = $1", connection)
            {
                Parameters = { new() { Value = tenant } },
            };
            var rows = new List<(string?, Guid, int, string, string, float?, float)>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    rows.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetGuid(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4),
                        reader.IsDBNull(5) ? null : reader.GetFloat(5), reader.GetFloat(6)));
                }
            }

            if (rows.Count >= expected || DateTime.UtcNow > deadline)
            {
                return rows;
            }

            await Task.Delay(100);
        }
    }
}
