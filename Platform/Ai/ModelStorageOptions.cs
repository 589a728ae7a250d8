using System.Net;

namespace Platform.Ai;

/// <summary>
/// Where models stored by reference may live (section <c>Ai:ModelStorage</c>), read by the Api when a reference is
/// uploaded and by AiInference when it fetches one. A reference outside these hosts is refused: AiInference sends
/// its storage credential with the request, so an organization must not be able to point it anywhere else.
/// </summary>
public sealed class ModelStorageOptions
{
    public const string SectionName = "Ai:ModelStorage";

    /// <summary>Host names (exact, case-insensitive) of the storage accounts models may be fetched from, e.g. <c>acme.blob.core.windows.net</c>. Empty: references are off.</summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>Also accept plain <c>http</c> on loopback hosts: local development and tests only.</summary>
    public bool AllowLoopbackHttp { get; set; }

    /// <summary>Send an Entra token for Azure Storage (<c>https://storage.azure.com/.default</c>) from the service's identity; off for anonymous or SAS URLs.</summary>
    public bool UseAzureIdentity { get; set; } = true;

    /// <summary>The largest model fetched; a bigger answer is cut off and refused.</summary>
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>Why <paramref name="uri"/> cannot be a model's storage reference, or null when it can.</summary>
    public string? Refusal(string? uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttps && parsed.Scheme != Uri.UriSchemeHttp))
        {
            return "An absolute https URL of the model's blob, e.g. https://acme.blob.core.windows.net/models/churn-3.onnx.";
        }

        if (!string.IsNullOrEmpty(parsed.UserInfo) || !string.IsNullOrEmpty(parsed.Fragment))
        {
            return "The URL may not carry user information or a fragment.";
        }

        if (AllowedHosts.Count == 0)
        {
            return "Models by storage reference are not enabled on this platform (its operator sets Ai:ModelStorage:AllowedHosts); upload the ONNX bytes instead.";
        }

        if (!AllowedHosts.Any(host => string.Equals(host, parsed.Host, StringComparison.OrdinalIgnoreCase)))
        {
            return $"Models may be stored only at {string.Join(", ", AllowedHosts)}.";
        }

        if (parsed.Scheme == Uri.UriSchemeHttp && !(AllowLoopbackHttp && IPAddress.TryParse(parsed.Host, out var address) && IPAddress.IsLoopback(address)))
        {
            return "Only https URLs are accepted.";
        }

        return null;
    }
}
