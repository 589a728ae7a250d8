namespace Platform.Tests.Webhooks;

/// <summary>
/// A clock the test moves by hand (Microsoft.Extensions.TimeProvider.Testing is not on this registry). It keeps whole
/// milliseconds, so times it gives read back from PostgreSQL (microseconds) unchanged.
/// </summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks;

    public ManualClock(DateTimeOffset start) => Set(start);

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    public void Set(DateTimeOffset at) => Interlocked.Exchange(ref _ticks, at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond));
}
