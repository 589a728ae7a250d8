using System.Globalization;

namespace Benchmarks.Shared;

/// <summary>
/// CPU time (user + system) the benchmark's processes have used, read from /proc. A server counts with its
/// descendants (PostgreSQL serves each connection from a forked backend); this program counts alone, since
/// every server is its descendant. Differences between two readings say where a run's CPU went, a figure
/// that holds up better than requests per second on a machine shared with other work.
/// </summary>
internal static class ProcessCpu
{
    // USER_HZ: the unit of utime and stime in /proc/<pid>/stat; 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>CPU used so far by each named process (with its descendants, unless it is this process).</summary>
    public static Dictionary<string, TimeSpan> Read(IReadOnlyDictionary<string, int> processes)
    {
        var all = ReadAll();
        var children = all.Values.ToLookup(p => p.ParentId);
        var used = new Dictionary<string, TimeSpan>();
        foreach (var (name, pid) in processes)
        {
            var ticks = 0L;
            var pending = new Stack<int>([pid]);
            while (pending.TryPop(out var current))
            {
                if (all.TryGetValue(current, out var process))
                {
                    ticks += process.Ticks;
                }

                if (current != Environment.ProcessId)
                {
                    foreach (var child in children[current])
                    {
                        pending.Push(child.Id);
                    }
                }
            }

            used[name] = TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }

        return used;
    }

    /// <summary>What each process used between <paramref name="before"/> and <paramref name="after"/>.</summary>
    public static Dictionary<string, TimeSpan> Between(Dictionary<string, TimeSpan> before, Dictionary<string, TimeSpan> after) =>
        after.ToDictionary(p => p.Key, p => p.Value - before.GetValueOrDefault(p.Key));

    private static Dictionary<int, (int Id, int ParentId, long Ticks)> ReadAll()
    {
        var processes = new Dictionary<int, (int, int, long)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // "pid (comm) state ppid ... utime stime ...": comm may hold spaces, so fields are counted after its ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                processes[pid] = (pid, parent, ticks);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // The process ended between listing and reading.
            }
        }

        return processes;
    }
}
