using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Platform.Security;

/// <summary>
/// A target refused by an <see cref="OutboundTargetPolicy"/> (SSRF protection). Its message is safe to show the
/// organization; it never names the internal address a host resolved to (that only goes to the server log).
/// </summary>
public sealed class OutboundTargetRefusedException(string message) : Exception(message);

/// <summary>
/// Keeps requests that organizations aim (webhooks, workflow HTTP steps) from reaching the platform's own network
/// (SSRF): every address a host resolves to must be public, unless an operator allowed it (CIDR networks, single
/// addresses or exact host names). Checked on every connection (<see cref="ConnectAsync"/>, the connect callback of
/// <see cref="CreateHandler"/>), so a host that resolves differently later (DNS rebinding) still cannot reach a
/// refused address.
/// </summary>
public partial class OutboundTargetPolicy
{
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
    private readonly string _purpose;
    private readonly string _refusedMessage;
    private readonly ILogger _logger;

    /// <param name="allowedTargets">The operator's allow-list: CIDR networks, single addresses or exact host names.</param>
    /// <param name="purpose">What makes the requests, in the plural (<c>webhooks</c>), for messages and logs.</param>
    /// <param name="logger">Where refusals are logged with the address (null: nowhere).</param>
    public OutboundTargetPolicy(IEnumerable<string> allowedTargets, string purpose, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(allowedTargets);
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        _purpose = purpose;
        _refusedMessage = RefusedMessageFor(purpose);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var networks = new List<IPNetwork>();
        _allowedHosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in allowedTargets.Select(t => t.Trim()).Where(t => t.Length > 0))
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
    }

    /// <summary>What the organization is told when a host reaches a refused address (which one goes only to the server log).</summary>
    public static string RefusedMessageFor(string purpose) =>
        $"The host resolves to a private, loopback, link-local or otherwise internal address; {purpose} may only reach public addresses.";

    /// <summary>True when <paramref name="host"/> is on the operator's allow-list by name.</summary>
    public bool IsAllowedHost(string host) => _allowedHosts.Contains(host);

    /// <summary>
    /// A handler that connects only to permitted addresses and never follows redirects (a redirect could point inside),
    /// uses no proxy (which would connect on its behalf) and keeps no cookies.
    /// </summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        ConnectCallback = ConnectAsync,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

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
    /// The connect callback of a guarded HTTP handler (<see cref="CreateHandler"/>): resolves the host now and connects
    /// only to a permitted address, so what is checked is what is reached.
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
    /// <exception cref="OutboundTargetRefusedException">The host does not resolve, or to a refused address.</exception>
    public async Task<IPAddress[]> AddressesAsync(string host, CancellationToken cancellationToken)
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
                throw new OutboundTargetRefusedException($"The host '{host}' does not resolve.");
            }
        }

        if (addresses.Length == 0)
        {
            throw new OutboundTargetRefusedException($"The host '{host}' does not resolve.");
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

        LogRefused(_logger, _purpose, host, refused);
        throw new OutboundTargetRefusedException(_refusedMessage);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbound target {Host} of {Purpose} refused: it resolves to {Address}")]
    private static partial void LogRefused(ILogger logger, string purpose, string host, IPAddress address);

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
