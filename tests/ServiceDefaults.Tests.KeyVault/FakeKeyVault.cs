using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.Http;
using TestKit;

namespace ServiceDefaults.KeyVault.Tests;

/// <summary>
/// A Key Vault on 127.0.0.1 over HTTPS (TestKit.LoopbackHttpsServer) answering the
/// requests SecretClient makes: the bearer challenge on an unauthenticated request, the paged
/// secret list (<c>GET /secrets</c>, <c>nextLink</c>) and one secret (<c>GET /secrets/{name}/{version?}</c>).
/// </summary>
internal sealed class FakeKeyVault : IAsyncDisposable
{
    public const string AccessToken = "fake-vault-access-token-4b1d";
    public const string TenantId = "72f988bf-0000-4000-8000-00000000c0de";

    private readonly ConcurrentDictionary<string, FakeSecret> _secrets = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<SeenRequest> _requests = new();
    private LoopbackHttpsServer _server = null!;
    // Key Vault timestamps have one-second resolution: every change moves this clock a second on,
    // so a changed secret always has a newer "updated" time.
    private long _clock = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds();

    public Uri VaultUri => _server.Endpoint;

    /// <summary>Secrets per page of the list; small values exercise <c>nextLink</c> paging.</summary>
    public int PageSize { get; set; } = 25;

    /// <summary>When set, every authenticated request gets this status and a Key Vault error body.</summary>
    public HttpStatusCode? FailWith { get; set; }

    public IReadOnlyCollection<SeenRequest> Requests => _requests.ToArray();

    public static async Task<FakeKeyVault> StartAsync()
    {
        var vault = new FakeKeyVault();
        vault._server = await LoopbackHttpsServer.StartAsync("fake-key-vault", vault.HandleAsync);
        return vault;
    }

    public void SetSecret(string name, string value, bool enabled = true, DateTimeOffset? expiresOn = null) =>
        _secrets[name] = new FakeSecret(name, value, Guid.NewGuid().ToString("N"), enabled, expiresOn, Interlocked.Increment(ref _clock));

    public void DeleteSecret(string name) => _secrets.TryRemove(name, out _);

    /// <summary>Client options that trust exactly this vault's certificate and do not retry.</summary>
    public SecretClientOptions ClientOptions()
    {
        var options = new SecretClientOptions { DisableChallengeResourceVerification = true, Transport = new HttpClientTransport(_server.CreateHandler()) };
        options.Retry.MaxRetries = 0;
        return options;
    }

    /// <summary>Requests that fetched one secret's value (by name, any version).</summary>
    public int FetchesOf(string name) =>
        Requests.Count(request => request.Authorization is not null &&
                                  request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries) is ["secrets", var fetched, ..] &&
                                  string.Equals(fetched, name, StringComparison.OrdinalIgnoreCase));

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string? authorization = request.Headers.Authorization;
        _requests.Enqueue(new SeenRequest(request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? "", authorization));

        if (authorization != $"Bearer {AccessToken}")
        {
            context.Response.Headers.WWWAuthenticate =
                $"Bearer authorization=\"https://login.microsoftonline.com/{TenantId}\", resource=\"https://vault.azure.net\"";
            await WriteErrorAsync(context, HttpStatusCode.Unauthorized, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
            return;
        }

        if (FailWith is { } failure)
        {
            await WriteErrorAsync(context, failure, failure == HttpStatusCode.Forbidden ? "Forbidden" : "InternalServerError",
                "Caller is not authorized to perform action on resource.", innerCode: "ForbiddenByRbac");
            return;
        }

        var segments = (request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (segments)
        {
            case ["secrets"] when HttpMethods.IsGet(request.Method):
                await WritePageAsync(context);
                break;
            case ["secrets", var name, ..] when HttpMethods.IsGet(request.Method) && segments.Length <= 3:
                await WriteSecretAsync(context, name);
                break;
            default:
                await WriteErrorAsync(context, HttpStatusCode.BadRequest, "BadParameter", "This fake vault only lists and gets secrets.");
                break;
        }
    }

    private async Task WritePageAsync(HttpContext context)
    {
        var skip = int.TryParse(context.Request.Query["$skiptoken"], out var token) ? token : 0;
        var all = _secrets.Values.OrderBy(secret => secret.Name, StringComparer.Ordinal).ToList();
        var items = new JsonArray();
        foreach (var secret in all.Skip(skip).Take(PageSize))
        {
            items.Add(new JsonObject { ["id"] = $"{VaultUri}secrets/{secret.Name}", ["attributes"] = Attributes(secret) });
        }

        var page = new JsonObject { ["value"] = items, ["nextLink"] = null };
        if (skip + PageSize < all.Count)
        {
            page["nextLink"] = $"{VaultUri}secrets?api-version={context.Request.Query["api-version"]}&$skiptoken={skip + PageSize}&maxresults={PageSize}";
        }

        await WriteJsonAsync(context, HttpStatusCode.OK, page);
    }

    private async Task WriteSecretAsync(HttpContext context, string name)
    {
        if (!_secrets.TryGetValue(name, out var secret))
        {
            await WriteErrorAsync(context, HttpStatusCode.NotFound, "SecretNotFound", $"A secret with (name/id) {name} was not found in this key vault.");
            return;
        }

        if (!secret.Enabled)
        {
            await WriteErrorAsync(context, HttpStatusCode.Forbidden, "Forbidden", "Operation get is not allowed on a disabled secret.", innerCode: "SecretDisabled");
            return;
        }

        await WriteJsonAsync(context, HttpStatusCode.OK, new JsonObject
        {
            ["value"] = secret.Value,
            ["id"] = $"{VaultUri}secrets/{secret.Name}/{secret.Version}",
            ["attributes"] = Attributes(secret),
        });
    }

    private static JsonObject Attributes(FakeSecret secret)
    {
        var attributes = new JsonObject
        {
            ["enabled"] = secret.Enabled,
            ["created"] = secret.UpdatedOn,
            ["updated"] = secret.UpdatedOn,
            ["recoveryLevel"] = "Recoverable+Purgeable",
            ["recoverableDays"] = 90,
        };
        if (secret.ExpiresOn is { } expires)
        {
            attributes["exp"] = expires.ToUnixTimeSeconds();
        }

        return attributes;
    }

    private static Task WriteErrorAsync(HttpContext context, HttpStatusCode status, string code, string message, string? innerCode = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (innerCode is not null)
        {
            error["innererror"] = new JsonObject { ["code"] = innerCode };
        }

        return WriteJsonAsync(context, status, new JsonObject { ["error"] = error });
    }

    private static async Task WriteJsonAsync(HttpContext context, HttpStatusCode status, JsonObject body)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private sealed record FakeSecret(string Name, string Value, string Version, bool Enabled, DateTimeOffset? ExpiresOn, long UpdatedOn);
}

/// <summary>One request as the vault saw it.</summary>
internal sealed record SeenRequest(string Method, string Path, string Query, string? Authorization);
