using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Platform.Security;

/// <summary>Parsing and normalizing of addresses and networks for IP rules and per-address counts.</summary>
public static class IpAddresses
{
    /// <summary>
    /// The address as rules see it: an IPv4-mapped IPv6 address (<c>::ffff:203.0.113.7</c>, what a dual-stack socket
    /// reports for an IPv4 client) becomes the IPv4 address, so IPv4 rules match it.
    /// </summary>
    public static IPAddress Normalize(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    /// <summary>
    /// Parses an address (<c>203.0.113.7</c>, <c>2001:db8::1</c>: one host) or a CIDR network (<c>203.0.113.0/24</c>,
    /// <c>2001:db8::/48</c>). IPv4-mapped IPv6 networks are turned into IPv4 ones.
    /// </summary>
    /// <exception cref="SecurityValidationException">The text is not a valid address or network; the message says why.</exception>
    public static IPNetwork ParseNetwork(string? text)
    {
        const string Field = "cidr";
        const string Example = "Enter an IP address or a CIDR network such as 203.0.113.0/24 or 2001:db8::/48.";
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw new SecurityValidationException(SecurityValidationException.InvalidCidr, Field, "The network is required. " + Example);
        }

        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? trimmed : trimmed[..slash];
        if (!TryParseAddress(addressText, out var address))
        {
            throw new SecurityValidationException(SecurityValidationException.InvalidCidr, Field, $"'{addressText}' is not an IP address. {Example}");
        }

        var maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = maxPrefix;
        if (slash >= 0)
        {
            var prefixText = trimmed[(slash + 1)..];
            if (!int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > maxPrefix)
            {
                throw new SecurityValidationException(
                    SecurityValidationException.InvalidCidr,
                    Field,
                    $"'{prefixText}' is not a valid prefix length: it must be a whole number from 0 to {maxPrefix} for an {(maxPrefix == 32 ? "IPv4" : "IPv6")} address.");
            }
        }

        if (address.IsIPv4MappedToIPv6)
        {
            if (prefix < 96)
            {
                throw new SecurityValidationException(SecurityValidationException.InvalidCidr, Field, $"An IPv4-mapped network needs a prefix of at least /96; write it as an IPv4 network instead.");
            }

            address = address.MapToIPv4();
            prefix -= 96;
        }

        var network = NetworkAddress(address, prefix);
        if (!network.Equals(address))
        {
            throw new SecurityValidationException(
                SecurityValidationException.InvalidCidr,
                Field,
                $"'{trimmed}' has host bits set after the /{prefix} prefix; did you mean {network}/{prefix}?");
        }

        return new IPNetwork(network, prefix);
    }

    /// <summary>Parses one address strictly: IPv4 in four dotted decimal parts (not the legacy <c>10.1</c> forms), IPv6 without a zone.</summary>
    public static bool TryParseAddress(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (string.IsNullOrWhiteSpace(text) || !IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        // IPAddress.TryParse accepts "10.1" (10.0.0.1) and "167772161", forms nobody means in an IP rule.
        if (parsed.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3)
        {
            return false;
        }

        // A zone (fe80::1%eth0) only means something on one host's interface.
        if (parsed.AddressFamily == AddressFamily.InterNetworkV6 && parsed.ScopeId != 0)
        {
            return false;
        }

        address = parsed;
        return true;
    }

    /// <summary>The address with every bit after <paramref name="prefix"/> cleared.</summary>
    internal static IPAddress NetworkAddress(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bitsKept = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bitsKept));
        }

        return new IPAddress(bytes);
    }

    /// <summary>
    /// The identity of a client for per-address counts: the IPv4 address, or the IPv6 /64, because one IPv6
    /// subscriber usually holds a whole /64 and could otherwise rotate addresses to dodge the count.
    /// </summary>
    internal static string CountingKey(IPAddress address)
    {
        var normalized = Normalize(address);
        return normalized.AddressFamily == AddressFamily.InterNetworkV6
            ? NetworkAddress(normalized, 64) + "/64"
            : normalized.ToString();
    }
}
