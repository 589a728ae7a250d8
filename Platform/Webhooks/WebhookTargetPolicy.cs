using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Validation;

namespace Platform.Webhooks;

/// <summary>
/// A webhook target refused by <see cref="WebhookTargetPolicy"/> (SSRF protection). Its message is safe to show the
/// organization; it never names the internal address a host resolved to (that only goes to the server log).
/// </summary>
public sealed class WebhookTargetRefusedException(string message) : Exception(message);

/// <summary>
/// Keeps webhooks from reaching the platform's own network (SSRF): a target must be http(s) (https only in
/// Production) and every address its host resolves to must be public, unless an operator allowed it
/// (<see cref="WebhookOptions.AllowedTargets"/>). Checked when an endpoint is saved and again on every connection
/// (<see cref="ConnectAsync"/>, the HTTP handler's connect callback), so a host that resolves differently later (DNS
/// rebinding) still cannot reach a refused address.
/// </summary>
public sealed partial class WebhookTargetPolicy
{
    /// <summary>What the organization is told when a host reaches a refused address (which one goes only to the server log).</summary>
    public const string RefusedMessage = "The host resolves to a private, loopback, link-local or otherwise internal address; webhooks may only reach public addresses.";

    private static readonly IPNetwork[] Refused =
    [
        IPNetwork.Parse("0.0.0.0/8"), // "this network", unspecified
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"), // carrier-grade NAT
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), // link-local, cloud metadata services
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("224.0.0.0/4"), // multicast
        IPNetwork.Parse("240.0.0.0/4"), // reserved, broadcast
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("100::/64"), // discard-only
        IPNetwork.Parse("2001::/32"), // Teredo: tunnels to an address the prefix hides
        IPNetwork.Parse("2001:db8::/32"), // documentation
        IPNetwork.Parse("fc00::/7"), // unique local
        IPNetwork.Parse("fe80::/10"), // link-local
        IPNetwork.Parse("fec0::/10"), // site-local (deprecated, still routed by some)
        IPNetwork.Parse("ff00::/8"), // multicast
    ];

    private readonly IPNetwork[] _allowedNetworks;
    private readonly HashSet<string> _allowedHosts;
    private readonly bool _requireHttps;
    private readonly ILogger _logger;

    public WebhookTargetPolicy(IOptions<WebhookOptions> options, ILogger<WebhookTargetPolicy>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var networks = new List<IPNetwork>();
        _allowedHosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in options.Value.AllowedTargets.Select(t => t.Trim()).Where(t => t.Length > 0))
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                _allowedHosts.Add(entry);
            }
        }

        _allowedNetworks = [.. networks];
        _requireHttps = options.Value.RequireHttps;
    }

    /// <summary>
    /// Checks an endpoint URL before it is saved: scheme, no credentials in it, and a host whose addresses are all
    /// permitted. Returns the URL normalized.
    /// </summary>
    /// <exception cref="ValidationFailedException">The URL is refused; the message says why.</exception>
    public async Task<Uri> ValidateAsync(string? url, CancellationToken cancellationToken = default)
    {
        const string Field = "url";
        if (string.IsNullOrWhiteSpace(url) || url.Length > 2000 || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            throw ValidationFailedException.For(Field, "Enter an absolute URL of at most 2000 characters, e.g. https://example.com/webhooks.");
        }

        if (uri.Scheme != Uri.UriSchemeHttps && (uri.Scheme != Uri.UriSchemeHttp || _requireHttps))
        {
            throw ValidationFailedException.For(Field, _requireHttps ? "Webhook URLs must use https." : "Webhook URLs must use http or https.");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw ValidationFailedException.For(Field, "Put no credentials in the URL; verify the webhook signature instead.");
        }

        // "intranet", "localhost": names the platform's own resolver completes with its search domains.
        if (uri.HostNameType == UriHostNameType.Dns && !uri.IdnHost.TrimEnd('.').Contains('.', StringComparison.Ordinal) && !_allowedHosts.Contains(uri.IdnHost))
        {
            throw ValidationFailedException.For(Field, "Enter a fully qualified host name (e.g. hooks.example.com), not a single-label one.");
        }

        try
        {
            await AddressesAsync(uri.IdnHost, cancellationToken).ConfigureAwait(false);
        }
        catch (WebhookTargetRefusedException refused)
        {
            throw ValidationFailedException.For(Field, refused.Message);
        }

        return uri;
    }

    /// <summary>True when the platform may connect to <paramref name="address"/> (public, or allowed by the operator).</summary>
    public bool IsPermitted(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (_allowedNetworks.Any(n => n.Contains(address) || (address.IsIPv4MappedToIPv6 && n.Contains(address.MapToIPv4()))))
        {
            return true;
        }

        // IPv4-mapped (::ffff:0:0/96): no resolver has a reason to answer with one, and sockets treat it as the IPv4 address.
        if (address.IsIPv4MappedToIPv6)
        {
            return false;
        }

        foreach (var candidate in Embedded(address))
        {
            if (Refused.Any(n => n.BaseAddress.AddressFamily == candidate.AddressFamily && n.Contains(candidate)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The connect callback of the webhook HTTP handler: resolves the host now and connects only to a permitted
    /// address, so what is checked is what is reached.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var addresses = await AddressesAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The host's addresses, all permitted; refused when any is not (or it does not resolve).</summary>
    private async Task<IPAddress[]> AddressesAsync(string host, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                throw new WebhookTargetRefusedException($"The host '{host}' does not resolve.");
            }
        }

        if (addresses.Length == 0)
        {
            throw new WebhookTargetRefusedException($"The host '{host}' does not resolve.");
        }

        if (_allowedHosts.Contains(host))
        {
            return addresses;
        }

        var refused = addresses.FirstOrDefault(a => !IsPermitted(a));
        if (refused is null)
        {
            return addresses;
        }

        LogRefused(_logger, host, refused);
        throw new WebhookTargetRefusedException(RefusedMessage);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook target {Host} refused: it resolves to {Address}")]
    private static partial void LogRefused(ILogger logger, string host, IPAddress address);

    /// <summary>The address and any IPv4 address carried inside it (mapped, compatible, NAT64, 6to4).</summary>
    private static IEnumerable<IPAddress> Embedded(IPAddress address)
    {
        yield return address;
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            yield break;
        }

        var bytes = address.GetAddressBytes();
        if (address.IsIPv4MappedToIPv6)
        {
            yield return address.MapToIPv4();
        }
        else if (bytes.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            yield return new IPAddress(bytes.AsSpan(12, 4)); // IPv4-compatible ::a.b.c.d
        }
        else if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b)
        {
            yield return new IPAddress(bytes.AsSpan(12, 4)); // NAT64 64:ff9b::/96
        }
        else if (bytes[0] == 0x20 && bytes[1] == 0x02)
        {
            yield return new IPAddress(bytes.AsSpan(2, 4)); // 6to4 2002::/16
        }
    }
}
