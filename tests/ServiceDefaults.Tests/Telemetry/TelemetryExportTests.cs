using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;

namespace ServiceDefaults.Tests.Telemetry;

/// <summary>
/// The OTLP exporter reads its settings from environment variables, which are process-wide:
/// these tests set them and must not overlap any other test that builds a host.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class TelemetryExportTests
{
    private const string OrdersRoute = "/orders/{id}";

    [TestMethod]
    public async Task A_handled_request_is_exported_as_a_span_with_the_service_name_and_route()
    {
        await using var collector = await OtlpCollector.StartAsync();
        var serviceName = $"orders-{Guid.NewGuid():N}";
        using (OtlpEnvironment.PointAt(collector, serviceName))
        {
            await using var service = await StartServiceAsync();

            using var response = await SendWithoutClientSpanAsync(service, "/orders/42");
            var traces = await collector.WaitForTraceContainingAsync(OrdersRoute);

            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
            Assert.IsNotNull(traces, $"No OTLP trace export mentioning {OrdersRoute} reached the collector ({collector.Describe()}).");
            Assert.IsTrue(Contains(traces, serviceName), "The exported spans do not carry the service name.");
            Assert.IsTrue(Contains(traces, $"GET {OrdersRoute}"), "The server span is not named after its route.");
            Assert.IsTrue(Contains(traces, "http.response.status_code"), "The server span has no status code.");
        }
    }

    [TestMethod]
    public async Task Health_probes_are_not_exported_as_spans()
    {
        await using var collector = await OtlpCollector.StartAsync();
        using (OtlpEnvironment.PointAt(collector, $"orders-{Guid.NewGuid():N}"))
        {
            await using var service = await StartServiceAsync();
            using var health = await SendWithoutClientSpanAsync(service, "/health");
            using var alive = await SendWithoutClientSpanAsync(service, "/alive");
            using var orders = await SendWithoutClientSpanAsync(service, "/orders/42");

            // Stopping the service flushes every span still waiting in the batch.
            await service.DisposeAsync();

            Assert.AreEqual(HttpStatusCode.OK, health.StatusCode);
            Assert.AreEqual(HttpStatusCode.OK, alive.StatusCode);
            Assert.IsTrue(collector.Traces.Any(body => Contains(body, OrdersRoute)), $"The ordinary request was not exported ({collector.Describe()}).");
            Assert.IsFalse(collector.Traces.Any(body => Contains(body, "/health") || Contains(body, "/alive")), "A health probe was exported.");
        }
    }

    private static async Task<RunningService> StartServiceAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGet(OrdersRoute, (int id) => Results.Ok(new { id }));
        await app.StartAsync();
        return new RunningService(app, LoopbackServer.BoundAddress(app));
    }

    /// <summary>
    /// The service's tracer listens to HttpClient's activity source process-wide; the test's own
    /// client calls would otherwise be exported too (as client spans naming the URL).
    /// </summary>
    private static async Task<HttpResponseMessage> SendWithoutClientSpanAsync(RunningService service, string path)
    {
        using var client = new HttpClient { BaseAddress = service.Address };
        using var suppressed = SuppressInstrumentationScope.Begin();
        return await client.GetAsync(new Uri(path, UriKind.Relative));
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

    private sealed record RunningService(WebApplication App, Uri Address) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                await App.StopAsync();
                await App.DisposeAsync();
            }
        }
    }

    /// <summary>A minimal OTLP/HTTP receiver: keeps each export's protobuf body and answers success.</summary>
    private sealed class OtlpCollector : IAsyncDisposable
    {
        private readonly ConcurrentQueue<byte[]> _traces = new();
        private LoopbackServer _server = null!;

        public Uri Address => _server.Address;

        public IReadOnlyList<byte[]> Traces => [.. _traces];

        public static async Task<OtlpCollector> StartAsync()
        {
            var collector = new OtlpCollector();
            collector._server = await LoopbackServer.StartAsync(routes => routes.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                if (signal == "traces")
                {
                    collector._traces.Enqueue(body.ToArray());
                }

                return Results.Bytes([], "application/x-protobuf");
            }));
            return collector;
        }

        /// <summary>The first trace export whose bytes contain <paramref name="text"/>, or null after a bounded wait.</summary>
        public async Task<byte[]?> WaitForTraceContainingAsync(string text)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                if (_traces.FirstOrDefault(body => Contains(body, text)) is { } found)
                {
                    return found;
                }

                await Task.Delay(50);
            }

            return null;
        }

        /// <summary>What arrived, for failure messages.</summary>
        public string Describe() =>
            $"{_server.RequestCount} requests, {_traces.Count} trace exports: " +
            string.Join(" | ", _traces.Select(body => Encoding.UTF8.GetString(body.Where(b => b is >= 32 and < 127).ToArray())));

        public ValueTask DisposeAsync() => _server.DisposeAsync();
    }

    /// <summary>Sets the OTEL_* variables a service reads at start, and puts the previous values back.</summary>
    private sealed class OtlpEnvironment : IDisposable
    {
        private readonly Dictionary<string, string?> _previous = [];

        public static OtlpEnvironment PointAt(OtlpCollector collector, string serviceName)
        {
            var environment = new OtlpEnvironment();
            environment.Set("OTEL_EXPORTER_OTLP_ENDPOINT", collector.Address.GetLeftPart(UriPartial.Authority));
            environment.Set("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
            environment.Set("OTEL_SERVICE_NAME", serviceName);
            environment.Set("OTEL_BSP_SCHEDULE_DELAY", "100");
            return environment;
        }

        private void Set(string name, string value)
        {
            _previous[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }

        public void Dispose()
        {
            foreach (var (name, value) in _previous)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
