using System.Net;
using System.Text.RegularExpressions;

namespace Web.Tests;

/// <summary>Reads the emails the application dropped in its pickup folder, as a person reads their inbox.</summary>
public sealed partial class Mailbox(string folder)
{
    /// <summary>The first link to <paramref name="path"/> in the newest email to <paramref name="to"/>, waiting for it to arrive.</summary>
    public async Task<Uri> LinkAsync(string to, string path, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            foreach (var text in EmailsTo(to))
            {
                var link = Regex.Match(text, $@"https?://[^\s""<>]+{Regex.Escape(path)}\?[^\s""<>]+");
                if (link.Success)
                {
                    return new Uri(WebUtility.HtmlDecode(link.Value));
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"no email to {to} with a link to {path} in {folder}");
            }

            await Task.Delay(250);
        }
    }

    private IEnumerable<string> EmailsTo(string to) =>
        Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.eml").OrderByDescending(File.GetLastWriteTimeUtc)
                .Select(file => Decode(File.ReadAllText(file)))
                .Where(text => text.Contains($"To: {to}", StringComparison.OrdinalIgnoreCase))
            : [];

    /// <summary>Undoes quoted-printable soft line breaks and escapes when the message uses them, enough to read links.</summary>
    private static string Decode(string raw) =>
        !raw.Contains("quoted-printable", StringComparison.OrdinalIgnoreCase) ? raw : QuotedByte().Replace(raw.Replace("=\r\n", "", StringComparison.Ordinal).Replace("=\n", "", StringComparison.Ordinal),
            m => ((char)Convert.ToByte(m.Groups[1].Value, 16)).ToString());

    [GeneratedRegex("=([0-9A-F]{2})")]
    private static partial Regex QuotedByte();
}
