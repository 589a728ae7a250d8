using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Platform.Caching;

namespace Web.Session;

/// <summary>
/// The front end's data-protection key ring in Redis (one hash, a field per key), shared by every Web
/// replica and kept across restarts, so a session cookie or stored token protected by one replica is
/// readable by the next. Data protection calls this synchronously and rarely (start-up, daily refresh,
/// a new key every 90 days).
/// </summary>
public sealed class RedisKeyRing(RedisClient redis) : IXmlRepository
{
    internal const string Key = "web:data-protection:keys";

    public IReadOnlyCollection<XElement> GetAllElements() =>
        [.. redis.ExecuteAsync("HVALS", [Key]).GetAwaiter().GetResult().AsArray().Select(value => XElement.Parse(value.AsString()!))];

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        // HSETNX: two replicas creating a key at once keep both, neither overwrites the other.
        redis.ExecuteAsync("HSETNX", [Key, friendlyName, element.ToString(SaveOptions.DisableFormatting)]).GetAwaiter().GetResult();
    }
}
