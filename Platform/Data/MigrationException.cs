namespace Platform.Data;

/// <summary>A migration could not be applied; the message says which one and why.</summary>
public class MigrationException(string message, Exception? inner = null) : Exception(message, inner);
