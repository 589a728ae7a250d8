using System.Security.Cryptography;
using System.Text;

namespace TestKit;

/// <summary>
/// A receiver's verification written from the Standard Webhooks spec alone (not the platform's signer): the signed
/// content is <c>id.timestamp.body</c>, the key the base64-decoded <c>whsec_</c> secret, the header a space-separated
/// list of <c>v1,base64</c> entries, compared in constant time, the timestamp within 5 minutes.
/// </summary>
public static class StandardWebhooksVerifier
{
    public static bool Verify(string secret, string id, string timestamp, byte[] body, string signatureHeader, DateTimeOffset now)
    {
        if (!long.TryParse(timestamp, out var seconds) || Math.Abs(now.ToUnixTimeSeconds() - seconds) > 300)
        {
            return false;
        }

        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var content = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
        var expected = HMACSHA256.HashData(key, content);
        foreach (var entry in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split(',', 2);
            if (parts.Length == 2 && parts[0] == "v1" && CryptographicOperations.FixedTimeEquals(expected, Convert.FromBase64String(parts[1])))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>How many entries of the header verify with <paramref name="secret"/>.</summary>
    public static int Matching(string secret, ReceivedRequest request)
    {
        var signatures = request.Headers["webhook-signature"].Split(' ');
        return signatures.Count(s => Verify(secret, request.Headers["webhook-id"], request.Headers["webhook-timestamp"], request.Body, s, DateTimeOffset.FromUnixTimeSeconds(long.Parse(request.Headers["webhook-timestamp"], System.Globalization.CultureInfo.InvariantCulture))));
    }
}
