using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Platform.Caching;
using Platform.Tenancy;

namespace Api.Extensions;

/// <summary>Marks a POST that creates something: a repeated <c>Idempotency-Key</c> replays the first result.</summary>
public sealed record IdempotentCreate;

/// <summary>
/// <c>Idempotency-Key</c> on creating POSTs: the first successful response is kept for a day (in
/// Redis, per organization or client address) and returned again for the same key and body; the
/// same key with another body is refused (422); a key whose first request is still running gets
/// 409. Failed responses are not kept, so a client may retry them. A kept body is encrypted with a data-protection
/// purpose of its own: creating responses carry secrets shown once (API keys, webhook signing secrets), and Redis must
/// never hold them in clear.
/// </summary>
internal static class Idempotency
{
    public const string HeaderName = "Idempotency-Key";
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private static readonly TimeSpan PendingFor = TimeSpan.FromMinutes(1);

    /// <summary>The data-protection purpose of kept response bodies.</summary>
    public const string ProtectionPurpose = "Api.Idempotency.Responses";

    public static TBuilder WithIdempotency<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new IdempotentCreate());

    private sealed record StoredResponse(string State, string Fingerprint, int Status, string? ContentType, string? Location, string? Body);

    public static IApplicationBuilder UseIdempotency(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var key = context.Request.Headers[HeaderName].ToString();
        if (key.Length == 0 || !HttpMethods.IsPost(context.Request.Method) || context.GetEndpoint()?.Metadata.GetMetadata<IdempotentCreate>() is null)
        {
            await next(context);
            return;
        }

        if (key.Length > 100)
        {
            await ProblemAsync(context, StatusCodes.Status400BadRequest, "invalid_idempotency_key", "The Idempotency-Key header must be at most 100 characters.");
            return;
        }

        context.Request.EnableBuffering();
        var fingerprint = Convert.ToHexString(await SHA256.HashDataAsync(context.Request.Body, context.RequestAborted));
        context.Request.Body.Position = 0;

        var tenant = context.RequestServices.GetRequiredService<TenantContext>();
        var scope = tenant.TenantId?.ToString("N") ?? context.Connection.RemoteIpAddress?.ToString() ?? "anonymous";
        var redisKey = $"idempotency:{scope}:{context.Request.Path}:{Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))}";
        var redis = context.RequestServices.GetRequiredService<RedisClient>();
        var protector = context.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector(ProtectionPurpose);

        var pending = JsonSerializer.Serialize(new StoredResponse("pending", fingerprint, 0, null, null, null));
        if (!await redis.SetAsync(redisKey, pending, PendingFor, RedisSetCondition.NotExists, context.RequestAborted))
        {
            var stored = await redis.GetStringAsync(redisKey, context.RequestAborted) is { } json ? JsonSerializer.Deserialize<StoredResponse>(json) : null;
            if (stored is null || stored.Fingerprint != fingerprint)
            {
                await ProblemAsync(context, StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused", "This Idempotency-Key was used with a different request body.");
            }
            else if (stored.State == "pending")
            {
                await ProblemAsync(context, StatusCodes.Status409Conflict, "idempotency_key_in_progress", "A request with this Idempotency-Key is still being processed; retry shortly.");
            }
            else if (Unprotect(protector, stored.Body) is not { } replayed)
            {
                // Kept under a key the ring no longer has: the first result cannot be shown again, the key is free.
                await redis.DeleteAsync(redisKey, CancellationToken.None);
                await ProblemAsync(context, StatusCodes.Status409Conflict, "idempotency_key_expired", "The first result of this Idempotency-Key is no longer available; retry.");
            }
            else
            {
                context.Response.StatusCode = stored.Status;
                context.Response.ContentType = stored.ContentType;
                if (stored.Location is not null)
                {
                    context.Response.Headers.Location = stored.Location;
                }

                context.Response.Headers["Idempotent-Replayed"] = "true";
                await context.Response.WriteAsync(replayed, context.RequestAborted);
            }

            return;
        }

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        catch
        {
            // The exception handler answers with an error: nothing to keep, and the key is free again.
            await redis.DeleteAsync(redisKey, CancellationToken.None);
            throw;
        }
        finally
        {
            context.Response.Body = original;
        }

        buffer.Position = 0;
        if (context.Response.StatusCode is >= 200 and < 300)
        {
            var body = protector.Protect(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            await redis.SetAsync(redisKey, JsonSerializer.Serialize(new StoredResponse("done", fingerprint, context.Response.StatusCode,
                context.Response.ContentType, context.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null, body)), Retention, cancellationToken: CancellationToken.None);
        }
        else
        {
            await redis.DeleteAsync(redisKey, CancellationToken.None);
        }

        await buffer.CopyToAsync(original, context.RequestAborted);
    });

    private static string? Unprotect(IDataProtector protector, string? body)
    {
        try
        {
            return body is null ? string.Empty : protector.Unprotect(body);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static Task ProblemAsync(HttpContext context, int status, string code, string title) =>
        Problems.WriteAsync(context, Problems.Coded(status, code, title));
}
