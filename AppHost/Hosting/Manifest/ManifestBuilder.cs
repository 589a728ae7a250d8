using System.Text.Json;
using System.Text.Json.Nodes;

namespace AppHost.Hosting.Manifest;

/// <summary>
/// Collects resources into an Aspire manifest (<c>{"resources":{...}}</c>, schema aspire-8.0),
/// with paths relative to the manifest's folder as azd expects.
/// </summary>
public sealed class ManifestBuilder(string manifestPath)
{
    private readonly JsonObject _resources = [];

    public string ManifestDirectory { get; } = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;

    public void Add(string name, JsonObject resource)
    {
        if (_resources.ContainsKey(name))
        {
            throw new InvalidOperationException($"The manifest already has a resource named '{name}'.");
        }

        _resources[name] = resource;
    }

    public bool Contains(string name) => _resources.ContainsKey(name);

    /// <summary>A secret parameter azd generates (or prompts for) at deploy time.</summary>
    public void AddGeneratedSecret(string name)
    {
        if (Contains(name))
        {
            return;
        }

        Add(name, new JsonObject
        {
            ["type"] = "parameter.v0",
            ["value"] = $"{{{name}.inputs.value}}",
            ["inputs"] = new JsonObject
            {
                ["value"] = new JsonObject
                {
                    ["type"] = "string",
                    ["secret"] = true,
                    ["default"] = new JsonObject { ["generate"] = new JsonObject { ["minLength"] = 22 } },
                },
            },
        });
    }

    /// <summary>A plain (not secret) value the operator supplies to azd at deploy time; azd keeps it in the environment's config.</summary>
    public void AddInputParameter(string name)
    {
        if (Contains(name))
        {
            return;
        }

        Add(name, new JsonObject
        {
            ["type"] = "parameter.v0",
            ["value"] = $"{{{name}.inputs.value}}",
            ["inputs"] = new JsonObject { ["value"] = new JsonObject { ["type"] = "string" } },
        });
    }

    /// <summary>A path relative to the manifest's folder, with forward slashes.</summary>
    public string RelativePath(string absolutePath) =>
        Path.GetRelativePath(ManifestDirectory, absolutePath).Replace('\\', '/');

    public string ToJson() =>
        new JsonObject { ["resources"] = _resources.DeepClone() }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    public void Write()
    {
        Directory.CreateDirectory(ManifestDirectory);
        File.WriteAllText(manifestPath, ToJson() + "\n");
    }
}
