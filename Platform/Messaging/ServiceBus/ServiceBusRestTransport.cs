using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Platform.Messaging.ServiceBus;

/// <summary>
/// Queues on Azure Service Bus, over its REST API (no SDK): batch send, peek-lock receive, complete (DELETE)
/// and abandon (PUT). Differences from <see cref="PostgresQueueTransport"/>: a lock lasts the queue's
/// <c>LockDuration</c>, not the requested lease; a retry is redelivered at once (REST has no per-message delay) and
/// Service Bus moves a message to its own dead-letter queue after <c>MaxDeliveryCount</c>; priorities and
/// per-organization fairness are not applied (delivery is in order). Dead letters the consumer gives up on are
/// kept in PostgreSQL's <c>dead_letters</c>, as with the default transport, so <see cref="DeadLetterStore"/> lists them.
/// </summary>
public sealed class ServiceBusRestTransport : IMessageTransport
{
    private const string BatchContentType = "application/vnd.microsoft.servicebus.json";

    private readonly HttpClient _http;
    private readonly ServiceBusTransportOptions _options;
    private readonly ServiceBusAuthorization _authorization;
    private readonly NpgsqlDataSource _dataSource;
    private readonly Uri _endpoint;
    private volatile bool _receiveFailed;

    public ServiceBusRestTransport(HttpClient http, IOptions<ServiceBusTransportOptions> options, ServiceBusAuthorization authorization, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options.Value;
        _authorization = authorization;
        _dataSource = dataSource;
        if (!_options.HasUsableEndpoint)
        {
            throw new InvalidOperationException(
                $"Messaging:ServiceBus:Endpoint must be an absolute https URI (http only on loopback); got '{_options.Endpoint}'.");
        }

        var endpoint = _options.Endpoint!.ToString();
        _endpoint = new Uri(endpoint.EndsWith('/') ? endpoint : endpoint + "/");
    }

    public async Task SendAsync(string queue, IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var chunk in messages.Chunk(Math.Max(1, _options.SendBatchSize)))
        {
            var body = new JsonArray([.. chunk.Select(ToBatchItem)]);
            using var request = await RequestAsync(HttpMethod.Post, queue, "messages", cancellationToken).ConfigureAwait(false);
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(BatchContentType);
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            Expect(response, HttpStatusCode.Created, "send to", queue);
        }
    }

    /// <summary>
    /// Peek-locks up to <paramref name="maxMessages"/> messages: the first request long-polls for
    /// <see cref="ServiceBusTransportOptions.ReceiveWaitSeconds"/>, the rest wait a second, and the first empty answer ends
    /// the batch. <paramref name="lease"/> is not used: on Service Bus a lock lasts the queue's <c>LockDuration</c>.
    /// </summary>
    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var received = new List<ReceivedMessage>(maxMessages);
        while (received.Count < maxMessages)
        {
            var timeout = received.Count == 0 ? Math.Max(1, _options.ReceiveWaitSeconds) : 1;
            using var request = await RequestAsync(HttpMethod.Post, queue, $"messages/head?timeout={timeout}", cancellationToken).ConfigureAwait(false);
            using var response = await SendReceiveAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                break;
            }

            _receiveFailed = response.StatusCode != HttpStatusCode.Created;
            Expect(response, HttpStatusCode.Created, "receive from", queue);
            var payload = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            received.Add(ToReceived(queue, response, payload));
        }

        return received;
    }

    public async Task<bool> CompleteAsync(ReceivedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return await SettleAsync(HttpMethod.Delete, message, "complete on", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Abandons the lock: Service Bus redelivers the message at once (REST has no per-message delay, so
    /// <paramref name="delay"/> is not honoured, nor is <paramref name="reason"/> kept) and moves it to its own
    /// dead-letter queue after the queue's <c>MaxDeliveryCount</c>.
    /// </summary>
    public async Task<bool> RetryAsync(ReceivedMessage message, TimeSpan delay, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return await SettleAsync(HttpMethod.Put, message, "unlock on", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// REST has no dead-letter operation: the message is written to PostgreSQL's <c>dead_letters</c> (system scope) and
    /// completed on Service Bus; the row commits only when the completion succeeded (false when the lock was lost).
    /// </summary>
    public async Task<bool> DeadLetterAsync(ReceivedMessage message, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(reason);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var batch = PostgresQueueTransport.SystemBatch(
            connection,
            """
            INSERT INTO dead_letters (queue, message_id, tenant_id, type, payload, priority, attempts, last_error, enqueued_at)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9)
            """,
            message.Queue, message.MessageId, message.TenantId, message.Type, message.Payload, message.Priority, message.Attempts,
            reason.Length <= 4000 ? reason : reason[..4000], message.EnqueuedAt))
        {
            batch.Transaction = transaction;
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!await CompleteAsync(message, cancellationToken).ConfigureAwait(false))
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Returns at once: <see cref="ReceiveAsync"/> already long-polls the queue. After a failed receive it waits
    /// <paramref name="timeout"/>, so a consumer does not spin against an unreachable namespace.
    /// </summary>
    public Task WaitAsync(string queue, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (_receiveFailed)
        {
            return Task.Delay(timeout, cancellationToken);
        }

        return cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;
    }

    private static JsonObject ToBatchItem(OutgoingMessage message)
    {
        var broker = new JsonObject { ["MessageId"] = message.MessageId.ToString(), ["Label"] = message.Type };
        if (message.NotBefore is { } notBefore)
        {
            broker["ScheduledEnqueueTimeUtc"] = notBefore.UtcDateTime.ToString("R", CultureInfo.InvariantCulture);
        }

        var user = new JsonObject { ["Priority"] = message.Priority };
        if (message.TenantId is { } tenant)
        {
            user["TenantId"] = tenant.ToString();
        }

        return new JsonObject { ["Body"] = message.Payload, ["BrokerProperties"] = broker, ["UserProperties"] = user };
    }

    private static ReceivedMessage ToReceived(string queue, HttpResponseMessage response, string payload)
    {
        var header = Header(response, "BrokerProperties")
            ?? throw new HttpRequestException($"Service Bus returned a message from queue '{queue}' without BrokerProperties.");
        using var broker = JsonDocument.Parse(header);
        var root = broker.RootElement;
        var messageId = root.TryGetProperty("MessageId", out var id) ? id.GetString() ?? "" : "";
        var tenant = Header(response, "TenantId") is { } tenantHeader ? Guid.Parse(JsonSerializer.Deserialize<string>(tenantHeader)!) : (Guid?)null;
        var priority = Header(response, "Priority") is { } priorityHeader ? short.Parse(priorityHeader, CultureInfo.InvariantCulture) : (short)0;
        return new ReceivedMessage(
            root.GetProperty("SequenceNumber").GetInt64(),
            queue,
            Guid.TryParse(messageId, out var guid) ? guid : StableGuid(messageId),
            tenant,
            root.TryGetProperty("Label", out var label) ? label.GetString() ?? "" : "",
            payload,
            priority,
            root.GetProperty("DeliveryCount").GetInt32(),
            root.GetProperty("LockToken").GetGuid(),
            DateTimeOffset.Parse(root.GetProperty("EnqueuedTimeUtc").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
    }

    /// <summary>A message sent by someone else may carry any id; the inbox needs a Guid, the same one each delivery.</summary>
    private static Guid StableGuid(string messageId) => new(SHA256.HashData(Encoding.UTF8.GetBytes(messageId)).AsSpan(0, 16));

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static void Expect(HttpResponseMessage response, HttpStatusCode expected, string operation, string queue)
    {
        if (response.StatusCode != expected)
        {
            throw new HttpRequestException(
                $"Service Bus {operation} queue '{queue}' answered {(int)response.StatusCode} {response.ReasonPhrase} (expected {(int)expected}).",
                inner: null,
                response.StatusCode);
        }
    }

    private async Task<HttpResponseMessage> SendReceiveAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            _receiveFailed = false;
            return response;
        }
        catch (HttpRequestException)
        {
            _receiveFailed = true;
            throw;
        }
    }

    private async Task<bool> SettleAsync(HttpMethod method, ReceivedMessage message, string operation, CancellationToken cancellationToken)
    {
        using var request = await RequestAsync(method, message.Queue, $"messages/{message.Id}/{message.LeaseToken}", cancellationToken).ConfigureAwait(false);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        Expect(response, HttpStatusCode.OK, operation, message.Queue);
        return true;
    }

    private async Task<HttpRequestMessage> RequestAsync(HttpMethod method, string queue, string path, CancellationToken cancellationToken)
    {
        // Not escaped: a topic subscription is a path too (topic/subscriptions/name).
        var queueUri = new Uri(_endpoint, queue.Trim('/') + "/");
        var request = new HttpRequestMessage(method, new Uri(queueUri, path));
        request.Headers.TryAddWithoutValidation("Authorization", await _authorization.GetHeaderAsync(queueUri, cancellationToken).ConfigureAwait(false));
        return request;
    }
}
