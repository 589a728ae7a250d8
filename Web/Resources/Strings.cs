namespace Web.Resources;

/// <summary>The interface's strings: Strings.resx (English), Strings.ar.resx, Strings.fr.resx.</summary>
public sealed class Strings;
