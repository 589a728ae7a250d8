namespace QueueThroughput;

/// <summary>The targets for the messaging pipeline on this 2-core machine.</summary>
internal static class Targets
{
    public const int MinMessagesPerSecond = 2_000;

    public const double MaxP95Ms = 50;
}
