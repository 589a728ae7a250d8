using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Platform.Messaging.ServiceBus;
using TestKit;

namespace Platform.Tests.Messaging;

/// <summary>
/// A Service Bus namespace on 127.0.0.1 over HTTPS (TestKit.LoopbackHttpsServer) speaking the REST contract
/// the transport uses: batch send (scheduled enqueue honoured), peek-lock with long poll, complete, unlock, lock
/// expiry and MaxDeliveryCount into a dead-letter queue. Every request must carry a SAS token signed with
/// <see cref="KeyName"/>/<see cref="Key"/> for the requested entity (the signature is recomputed), or it gets 401.
/// </summary>
internal sealed class FakeServiceBus : IAsyncDisposable
{
    public const string KeyName = "RootManageSharedAccessKey";
    public const string Key = "fake-sas-key-0f9e8d7c6b5a";
    public const int MaxDeliveryCount = 10;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<FakeMessage>> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<FakeMessage>> _deadLetters = new(StringComparer.OrdinalIgnoreCase);
    private LoopbackHttpsServer _server = null!;
    private long _sequence;
    private int _rejected;

    public Uri Endpoint => _server.Endpoint;

    /// <summary>The queues' LockDuration.</summary>
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests refused for their Authorization header.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    public static async Task<FakeServiceBus> StartAsync()
    {
        var bus = new FakeServiceBus();
        bus._server = await LoopbackHttpsServer.StartAsync("fake-service-bus", bus.HandleAsync);
        return bus;
    }

    /// <summary>A client that trusts exactly this namespace's certificate.</summary>
    public HttpClient CreateHttpClient() => new(_server.CreateHandler(), disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Messages on the queue (locked, scheduled or available).</summary>
    public int Count(string queue)
    {
        lock (_gate)
        {
            return _queues.TryGetValue(queue, out var messages) ? messages.Count : 0;
        }
    }

    /// <summary>Message ids in the queue's dead-letter queue.</summary>
    public IReadOnlyList<string> DeadLettered(string queue)
    {
        lock (_gate)
        {
            return _deadLetters.TryGetValue(queue, out var messages) ? [.. messages.Select(m => m.MessageId)] : [];
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var segments = (request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        if (!Authorized(request, segments[0]))
        {
            Interlocked.Increment(ref _rejected);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var queue = segments[0];
        switch (segments[1..])
        {
            case ["messages"] when HttpMethods.IsPost(request.Method):
                await SendAsync(context, queue);
                break;
            case ["messages", "head"] when HttpMethods.IsPost(request.Method):
                await PeekLockAsync(context, queue);
                break;
            case ["messages", var sequence, var lockToken] when HttpMethods.IsDelete(request.Method) || HttpMethods.IsPut(request.Method):
                context.Response.StatusCode = Settle(queue, sequence, lockToken, complete: HttpMethods.IsDelete(request.Method))
                    ? StatusCodes.Status200OK
                    : StatusCodes.Status404NotFound;
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                break;
        }
    }

    /// <summary>A SAS token for this key, unexpired, whose resource covers the requested entity.</summary>
    private bool Authorized(HttpRequest request, string queue)
    {
        string? header = request.Headers.Authorization;
        const string Scheme = "SharedAccessSignature ";
        if (header is null || !header.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }

        var fields = header[Scheme.Length..].Split('&')
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("sr", out var encodedUri) || !fields.TryGetValue("sig", out var sig) || !fields.TryGetValue("se", out var se) ||
            !fields.TryGetValue("skn", out var skn) || skn != KeyName ||
            !long.TryParse(se, NumberStyles.None, CultureInfo.InvariantCulture, out var expiry) || expiry < DateTimeOffset.UtcNow.ToUnixTimeSeconds())
        {
            return false;
        }

        // Recomputed from what the token says it signed; the resource must be this queue (or the whole namespace).
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.UTF8.GetBytes(encodedUri + "\n" + se)));
        var resource = WebUtility.UrlDecode(encodedUri);
        var queueUri = ServiceBusAuthorization.ResourceString(new Uri(Endpoint, queue));
        var covers = string.Equals(resource, queueUri, StringComparison.OrdinalIgnoreCase)
                     || string.Equals(resource, ServiceBusAuthorization.ResourceString(Endpoint), StringComparison.OrdinalIgnoreCase);
        return covers && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(WebUtility.UrlDecode(sig)), Encoding.UTF8.GetBytes(expected));
    }

    private async Task SendAsync(HttpContext context, string queue)
    {
        if (context.Request.ContentType != "application/vnd.microsoft.servicebus.json")
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var items = (await JsonNode.ParseAsync(context.Request.Body))!.AsArray();
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            var messages = Queue(_queues, queue);
            foreach (var item in items)
            {
                var broker = item!["BrokerProperties"]?.AsObject() ?? [];
                var scheduled = broker["ScheduledEnqueueTimeUtc"] is { } at
                    ? DateTimeOffset.ParseExact(at.GetValue<string>(), "R", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
                    : now;
                var user = item["UserProperties"]?.AsObject() ?? [];
                messages.Add(new FakeMessage(
                    ++_sequence,
                    broker["MessageId"]?.GetValue<string>() ?? Guid.NewGuid().ToString("N"),
                    broker["Label"]?.GetValue<string>(),
                    item["Body"]!.GetValue<string>(),
                    user.ToDictionary(p => p.Key, p => p.Value!.ToJsonString(), StringComparer.Ordinal),
                    now,
                    scheduled));
            }
        }

        context.Response.StatusCode = StatusCodes.Status201Created;
    }

    private async Task PeekLockAsync(HttpContext context, string queue)
    {
        var timeout = int.TryParse(context.Request.Query["timeout"], CultureInfo.InvariantCulture, out var seconds) ? seconds : 60;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(timeout);
        while (true)
        {
            if (TryLock(queue) is { } locked)
            {
                await WriteLockedAsync(context, queue, locked);
                return;
            }

            if (DateTimeOffset.UtcNow >= deadline || context.RequestAborted.IsCancellationRequested)
            {
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }

            await Task.Delay(25, CancellationToken.None);
        }
    }

    /// <summary>Locks the first available message; one whose next delivery would pass MaxDeliveryCount goes to the DLQ instead.</summary>
    private FakeMessage? TryLock(string queue)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            var messages = Queue(_queues, queue);
            foreach (var message in messages.OrderBy(m => m.Sequence).ToList())
            {
                if (message.ScheduledAt > now || (message.LockToken is not null && message.LockedUntil > now))
                {
                    continue;
                }

                if (message.DeliveryCount >= MaxDeliveryCount)
                {
                    messages.Remove(message);
                    Queue(_deadLetters, queue).Add(message);
                    continue;
                }

                message.DeliveryCount++;
                message.LockToken = Guid.NewGuid();
                message.LockedUntil = now + LockDuration;
                return message;
            }

            return null;
        }
    }

    private async Task WriteLockedAsync(HttpContext context, string queue, FakeMessage message)
    {
        var broker = new JsonObject
        {
            ["MessageId"] = message.MessageId,
            ["LockToken"] = message.LockToken.ToString(),
            ["LockedUntilUtc"] = message.LockedUntil.UtcDateTime.ToString("R", CultureInfo.InvariantCulture),
            ["SequenceNumber"] = message.Sequence,
            ["DeliveryCount"] = message.DeliveryCount,
            ["EnqueuedTimeUtc"] = message.EnqueuedAt.UtcDateTime.ToString("R", CultureInfo.InvariantCulture),
            ["State"] = "Active",
        };
        if (message.Label is not null)
        {
            broker["Label"] = message.Label;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers["BrokerProperties"] = broker.ToJsonString();
        response.Headers.Location = new Uri(Endpoint, $"{queue}/messages/{message.Sequence}/{message.LockToken}").ToString();
        foreach (var (name, value) in message.UserProperties)
        {
            response.Headers[name] = value;
        }

        response.ContentType = "application/json";
        await response.WriteAsync(message.Body);
    }

    private bool Settle(string queue, string sequence, string lockToken, bool complete)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            var messages = Queue(_queues, queue);
            var message = messages.Find(m => m.Sequence.ToString(CultureInfo.InvariantCulture) == sequence && m.LockToken?.ToString() == lockToken);
            if (message is null || message.LockedUntil <= now)
            {
                return false;
            }

            if (complete)
            {
                messages.Remove(message);
            }
            else
            {
                message.LockToken = null;
            }

            return true;
        }
    }

    private static List<FakeMessage> Queue(Dictionary<string, List<FakeMessage>> queues, string name) =>
        queues.TryGetValue(name, out var messages) ? messages : queues[name] = [];

    private sealed class FakeMessage(long sequence, string messageId, string? label, string body, Dictionary<string, string> userProperties, DateTimeOffset enqueuedAt, DateTimeOffset scheduledAt)
    {
        public long Sequence { get; } = sequence;

        public string MessageId { get; } = messageId;

        public string? Label { get; } = label;

        public string Body { get; } = body;

        public Dictionary<string, string> UserProperties { get; } = userProperties;

        public DateTimeOffset EnqueuedAt { get; } = enqueuedAt;

        public DateTimeOffset ScheduledAt { get; } = scheduledAt;

        public int DeliveryCount { get; set; }

        public Guid? LockToken { get; set; }

        public DateTimeOffset LockedUntil { get; set; }
    }
}
