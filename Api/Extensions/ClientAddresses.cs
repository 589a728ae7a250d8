using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Api.Extensions;

/// <summary>
/// Whose address a request has: the connection's, unless it comes from a trusted proxy, in which case the last
/// address that proxy names in <c>X-Forwarded-For</c>. Sign-in limits, IP allow/deny rules, session lists and the
/// audit trail all read <c>Connection.RemoteIpAddress</c>, which this rewrites.
/// </summary>
/// <remarks>
/// Trusted by default: loopback only (the Web front end next to the Api, as the AppHost runs them). Behind anything
/// else (Azure Container Apps' ingress, Front Door) the operator names the proxies or their networks in
/// <c>ForwardedHeaders:KnownProxies</c> / <c>ForwardedHeaders:KnownNetworks</c>; an untrusted caller's header is ignored,
/// so nobody can claim another address by sending it.
/// </remarks>
internal static class ClientAddresses
{
    public const string SectionName = "ForwardedHeaders";

    public static void AddClientAddresses(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(SectionName);
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            options.ForwardLimit = section.GetValue<int?>("ForwardLimit") ?? 1;
            foreach (var proxy in section.GetSection("KnownProxies").Get<string[]>() ?? [])
            {
                options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address)
                    ? address
                    : throw new InvalidOperationException($"{SectionName}:KnownProxies has '{proxy}', which is not an IP address."));
            }

            foreach (var network in section.GetSection("KnownNetworks").Get<string[]>() ?? [])
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var parsed)
                    ? parsed
                    : throw new InvalidOperationException($"{SectionName}:KnownNetworks has '{network}', which is not a network in CIDR form (10.0.0.0/16)."));
            }
        });
    }
}
