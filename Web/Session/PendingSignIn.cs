using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Web.Clients;

namespace Web.Session;

/// <summary>
/// Between the password and the second factor: the Api checks both in one call, so the
/// credentials wait server-side (encrypted, five minutes) under a random id in a short-lived
/// HttpOnly cookie, rather than travelling back to the browser in a hidden field.
/// </summary>
public sealed class PendingSignIn(IDistributedCache cache, IDataProtectionProvider dataProtection, IHttpContextAccessor httpContext)
{
    private const string CookieName = "bp.pending-sign-in";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Web.Session.PendingSignIn.v1");

    public async Task HoldAsync(Credentials credentials, CancellationToken cancellationToken = default)
    {
        var context = httpContext.HttpContext!;
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        await cache.SetAsync(Key(id), _protector.Protect(JsonSerializer.SerializeToUtf8Bytes(credentials)),
            new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = Lifetime }, cancellationToken);
        context.Response.Cookies.Append(CookieName, id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            MaxAge = Lifetime,
            Path = "/sign-in",
            IsEssential = true,
        });
    }

    /// <summary>The held credentials, or null when none are waiting (expired or never started).</summary>
    public async Task<Credentials?> PeekAsync(CancellationToken cancellationToken = default)
    {
        if (httpContext.HttpContext?.Request.Cookies[CookieName] is not { Length: > 0 } id || await cache.GetAsync(Key(id), cancellationToken) is not { } stored)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<Credentials>(_protector.Unprotect(stored));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    public async Task ForgetAsync(CancellationToken cancellationToken = default)
    {
        var context = httpContext.HttpContext!;
        if (context.Request.Cookies[CookieName] is { Length: > 0 } id)
        {
            await cache.RemoveAsync(Key(id), cancellationToken);
        }

        context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/sign-in" });
    }

    private static string Key(string id) => $"web:pending-sign-in:{id}";
}
