using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;

namespace ServiceDefaults.Discovery;

/// <summary>
/// Resolves logical service URIs the way Microsoft.Extensions.ServiceDiscovery's configuration
/// provider does: <c>http://api</c> or <c>https+http://api</c> (schemes in preference order) or
/// <c>http://_endpoint.api</c> (a named endpoint) looks up <c>services:{name}:{endpoint|default|scheme...}:{index}</c>,
/// which the AppHost sets as <c>services__api__http__0</c>. With no entry the URI passes through
/// unchanged (DNS, as on Container Apps where the app name is the service name).
/// </summary>
public sealed class ServiceEndpointResolver(IConfiguration configuration)
{
    private static readonly string[] DefaultSection = ["default"];

    // One rotation per service section: a shared counter would let calls to other services
    // decide which endpoint this one gets (alternating calls would always pick the same one).
    private readonly ConcurrentDictionary<string, StrongBox<int>> _rotations = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The concrete URI for a request, or the input with a '+' scheme collapsed to its first scheme.</summary>
    public Uri Resolve(Uri requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        if (!requested.IsAbsoluteUri)
        {
            return requested;
        }

        var schemes = requested.Scheme.Split('+', StringSplitOptions.RemoveEmptyEntries);
        var (endpointName, serviceName) = SplitHost(requested.Host);
        var service = configuration.GetSection("services").GetSection(serviceName);
        var candidates = endpointName is not null ? [endpointName] : DefaultSection.Concat(schemes);

        foreach (var candidate in candidates)
        {
            var section = service.GetSection(candidate);
            var endpoints = ReadEndpoints(section);
            if (endpoints.Count == 0)
            {
                continue;
            }

            // Prefer the highest-priority scheme present, as the real provider does.
            var preferred = schemes.Select(s => endpoints.Where(e => e.Scheme.Equals(s, StringComparison.OrdinalIgnoreCase)).ToList())
                .FirstOrDefault(list => list.Count > 0) ?? endpoints;
            var rotation = _rotations.GetOrAdd(section.Path, _ => new StrongBox<int>(-1));
            var chosen = preferred[(int)((uint)Interlocked.Increment(ref rotation.Value) % (uint)preferred.Count)];
            return Rewrite(requested, chosen);
        }

        if (schemes.Length > 1)
        {
            return new UriBuilder(requested) { Scheme = schemes[0], Port = requested.IsDefaultPort ? -1 : requested.Port }.Uri;
        }

        return requested;
    }

    private static (string? Endpoint, string Service) SplitHost(string host)
    {
        if (host.StartsWith('_') && host.IndexOf('.', StringComparison.Ordinal) is var dot and > 1)
        {
            return (host[1..dot], host[(dot + 1)..]);
        }

        return (null, host);
    }

    private static List<Uri> ReadEndpoints(IConfigurationSection section)
    {
        var values = section.Value is { Length: > 0 } single ? [single] : section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
        return values.Select(v => Uri.TryCreate(v, UriKind.Absolute, out var uri) ? uri : null).OfType<Uri>().ToList();
    }

    private static Uri Rewrite(Uri requested, Uri endpoint)
    {
        var builder = new UriBuilder(requested)
        {
            Scheme = endpoint.Scheme,
            Host = endpoint.Host,
            Port = endpoint.Port,
        };
        var prefix = endpoint.AbsolutePath.TrimEnd('/');
        if (prefix.Length > 0)
        {
            builder.Path = prefix + requested.AbsolutePath;
        }

        return builder.Uri;
    }
}
