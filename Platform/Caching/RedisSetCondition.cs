namespace Platform.Caching;

/// <summary>When SET should write the value.</summary>
public enum RedisSetCondition
{
    /// <summary>Always (plain SET).</summary>
    Always,

    /// <summary>Only if the key does not exist yet (SET ... NX), e.g. for locks and first-writer-wins.</summary>
    NotExists,

    /// <summary>Only if the key already exists (SET ... XX).</summary>
    Exists,
}
