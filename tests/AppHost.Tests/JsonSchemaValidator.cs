using System.Diagnostics;
using AppHost.Hosting.Provisioning;

namespace AppHost.Tests;

/// <summary>
/// Validates JSON against a draft-07 schema with Python's reference <c>jsonschema</c> package
/// (no schema validator restores from this NuGet registry). Installs Debian's python3-jsonschema
/// through the AppHost's provisioning when no Python on the machine has it.
/// </summary>
internal static class JsonSchemaValidator
{
    private const string Script =
        "import json,sys,jsonschema\n" +
        "schema=json.load(open(sys.argv[1])); doc=json.load(open(sys.argv[2]))\n" +
        "errors=sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: e.json_path)\n" +
        "[print(e.json_path + ': ' + e.message[:300]) for e in errors]\n" +
        "sys.exit(1 if errors else 0)\n";

    private static readonly OsPackage PythonJsonSchema = new("Python jsonschema", "python3-jsonschema", () => FindPython() is not null);

    /// <summary>The schema violations, one line each; empty when the document is valid.</summary>
    public static async Task<IReadOnlyList<string>> ValidateAsync(string schemaPath, string documentPath)
    {
        await OsPrerequisites.EnsureAsync([PythonJsonSchema], _ => { });
        var (exitCode, output) = await RunAsync(FindPython()!, "-c", Script, schemaPath, documentPath);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return exitCode switch
        {
            0 => [],
            1 when lines.Length > 0 => lines,
            _ => throw new InvalidOperationException($"the schema validator failed (exit {exitCode}): {output}"),
        };
    }

    private static string? FindPython()
    {
        foreach (var candidate in new[] { OsPrerequisites.FindOnPath("python3"), "/usr/bin/python3" }.OfType<string>().Distinct())
        {
            if (File.Exists(candidate) && RunAsync(candidate, "-c", "import jsonschema").GetAwaiter().GetResult().ExitCode == 0)
            {
                return candidate;
            }
        }

        return null;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
