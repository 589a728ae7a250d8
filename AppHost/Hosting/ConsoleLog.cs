namespace AppHost.Hosting;

/// <summary>
/// Everything the AppHost prints: children's lines with a coloured name prefix, and its own
/// messages. Thread-safe; a sink can be swapped (tests keep the lines in memory).
/// </summary>
public sealed class ConsoleLog(TextWriter writer, bool useColor)
{
    private static readonly ConsoleColor[] Palette = [ConsoleColor.Cyan, ConsoleColor.Green, ConsoleColor.Magenta, ConsoleColor.Yellow, ConsoleColor.Blue, ConsoleColor.DarkCyan, ConsoleColor.DarkYellow];
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ConsoleColor> _colors = [];
    private int _width = 10;

    public static ConsoleLog ForConsole() => new(Console.Out, !Console.IsOutputRedirected);

    /// <summary>Aligns prefixes to the longest resource name.</summary>
    public void RegisterNames(IEnumerable<string> names) => _width = Math.Max(_width, names.Max(n => n.Length));

    public void Child(string name, string line) => Write(name, line);

    public void Info(string message) => Write("apphost", message);

    /// <summary>A line without prefix (the status table).</summary>
    public void Raw(string line)
    {
        lock (_gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    private void Write(string name, string line)
    {
        lock (_gate)
        {
            var prefix = name.PadRight(_width) + " | ";
            if (useColor)
            {
                if (!_colors.TryGetValue(name, out var color))
                {
                    color = name == "apphost" ? ConsoleColor.White : Palette[_colors.Count % Palette.Length];
                    _colors[name] = color;
                }

                Console.ForegroundColor = color;
                writer.Write(prefix);
                Console.ResetColor();
            }
            else
            {
                writer.Write(prefix);
            }

            writer.WriteLine(line);
            writer.Flush();
        }
    }
}
