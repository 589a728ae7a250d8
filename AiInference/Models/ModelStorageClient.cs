using System.Net.Http.Headers;
using System.Security.Cryptography;
using Azure.Core;
using Microsoft.Extensions.Options;
using Platform.Ai;

namespace AiInference.Models;

/// <summary>A model stored by reference could not be fetched, or was not what was registered.</summary>
public sealed class ModelStorageException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Fetches the bytes of a model stored by reference: an Azure Blob Storage "Get Blob" over HTTPS with an Entra token
/// from the service's identity (Azure.Storage.Blobs is not on this registry; the call is one GET). Only hosts the
/// operator allows are asked, the answer is size-limited, and it is served only when its SHA-256 matches the one
/// registered with the reference.
/// </summary>
public sealed class ModelStorageClient(HttpClient http, IOptions<ModelStorageOptions> options, TokenCredential? credential = null)
{
    /// <summary>The Blob service version sent; 2017-11-09 or later is required with Entra tokens.</summary>
    public const string BlobServiceVersion = "2023-11-03";

    private static readonly string[] StorageScope = ["https://storage.azure.com/.default"];

    public async Task<byte[]> FetchAsync(AiModel model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var settings = options.Value;
        if (settings.Refusal(model.StorageUri) is { } refusal)
        {
            throw new ModelStorageException($"Model {model.Name} version {model.Version}: {refusal}");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, model.StorageUri);
        request.Headers.Add("x-ms-version", BlobServiceVersion);
        if (settings.UseAzureIdentity)
        {
            var provider = credential ?? throw new ModelStorageException("Ai:ModelStorage:UseAzureIdentity is on, but no Azure credential is configured.");
            var token = await provider.GetTokenAsync(new TokenRequestContext(StorageScope), cancellationToken).ConfigureAwait(false);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // Storage's error code header says why (AuthorizationPermissionMismatch, BlobNotFound...); the body is not read.
            var code = response.Headers.TryGetValues("x-ms-error-code", out var codes) ? codes.FirstOrDefault() : null;
            throw new ModelStorageException($"Model {model.Name} version {model.Version}: storage answered {(int)response.StatusCode} {code}".TrimEnd());
        }

        if (response.Content.Headers.ContentLength > settings.MaxBytes)
        {
            throw new ModelStorageException($"Model {model.Name} version {model.Version} is larger than Ai:ModelStorage:MaxBytes ({settings.MaxBytes} bytes).");
        }

        var bytes = await ReadLimitedAsync(response.Content, settings.MaxBytes, cancellationToken).ConfigureAwait(false)
            ?? throw new ModelStorageException($"Model {model.Name} version {model.Version} is larger than Ai:ModelStorage:MaxBytes ({settings.MaxBytes} bytes).");
        var digest = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(digest, model.StorageSha256, StringComparison.Ordinal))
        {
            throw new ModelStorageException($"Model {model.Name} version {model.Version}: the stored bytes have SHA-256 {digest}, not the registered {model.StorageSha256}; not served.");
        }

        return bytes;
    }

    /// <summary>The whole body, or null once it passes <paramref name="limit"/> bytes.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(HttpContent content, long limit, CancellationToken cancellationToken)
    {
        await using var body = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81_920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
