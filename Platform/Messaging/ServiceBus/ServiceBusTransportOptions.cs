namespace Platform.Messaging.ServiceBus;

/// <summary>The Azure Service Bus namespace the REST transport talks to (section <c>Messaging:ServiceBus</c>).</summary>
public sealed class ServiceBusTransportOptions
{
    public const string SectionName = "Messaging:ServiceBus";

    /// <summary>The namespace, e.g. <c>https://ns.servicebus.windows.net/</c>; plain HTTP only on loopback (local fakes).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The shared access policy name (e.g. <c>RootManageSharedAccessKey</c>); without a key, Entra ID tokens are used.</summary>
    public string? SasKeyName { get; set; }

    /// <summary>The policy's key, used as-is (not base64-decoded).</summary>
    public string? SasKey { get; set; }

    /// <summary>How long a SAS token is valid; a new one is made shortly before it expires.</summary>
    public TimeSpan SasTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Seconds the first receive of a batch long-polls an empty queue.</summary>
    public int ReceiveWaitSeconds { get; set; } = 5;

    /// <summary>Messages per batch send (the REST limit is 1 MB per request).</summary>
    public int SendBatchSize { get; set; } = 100;

    /// <summary>True when <see cref="Endpoint"/> is usable: HTTPS, or HTTP on a loopback address.</summary>
    public bool HasUsableEndpoint =>
        Endpoint is { IsAbsoluteUri: true } endpoint
        && (endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback));
}
