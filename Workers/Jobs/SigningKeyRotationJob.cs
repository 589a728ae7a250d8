using Microsoft.Extensions.Options;
using Platform.Identity;
using Platform.Identity.Tokens;

namespace Workers.Jobs;

/// <summary>
/// Replaces the token-signing key once it is older than <c>Identity:SigningKeyRotation</c> (30 days).
/// Old keys keep validating the tokens they signed, so nobody is logged out; the store's database lock
/// makes two replicas rotating at once harmless.
/// </summary>
internal sealed partial class SigningKeyRotationJob(SigningKeyStore keys, IOptions<PlatformIdentityOptions> options, TimeProvider clock, ILogger<SigningKeyRotationJob> logger)
    : RecurringJob(logger)
{
    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override string Name => "signing-key-rotation";

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var created = await keys.ActiveKeyCreatedAtAsync(cancellationToken);
        if (created is null || clock.GetUtcNow() - created < options.Value.SigningKeyRotation)
        {
            return;
        }

        var keyId = await keys.RotateAsync(cancellationToken);
        LogRotated(logger, keyId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rotated the token-signing key; new key {KeyId}")]
    private static partial void LogRotated(ILogger logger, string keyId);
}
