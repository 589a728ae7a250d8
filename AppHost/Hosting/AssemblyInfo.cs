using System.Runtime.Versioning;

// The local orchestrator runs processes with Linux facilities (setpriv, /proc, POSIX signals).
[assembly: SupportedOSPlatform("linux")]
