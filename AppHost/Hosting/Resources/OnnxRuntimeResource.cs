using AppHost.Hosting.Manifest;
using AppHost.Hosting.Provisioning;

namespace AppHost.Hosting.Resources;

/// <summary>
/// A one-shot step that makes sure the ONNX Runtime native library is in the repository's cache
/// (fetched from npm and checksum-verified the first time) and hands its path to the services that
/// reference it (<c>OnnxRuntime__LibraryPath</c>). Run mode only: a container image carries the library.
/// </summary>
public sealed class OnnxRuntimeResource(string name) : Resource(name)
{
    public string LibraryPath { get; private set; } = string.Empty;

    public override string Endpoint => LibraryPath;

    internal override async Task StartAsync(RunContext context, CancellationToken cancellationToken)
    {
        var cache = OnnxRuntimeLibrary.DefaultCacheDirectory(Path.GetFullPath(Path.Combine(DistributedApplicationBuilder.AppHostDirectory, "..")));
        LibraryPath = await OnnxRuntimeLibrary.EnsureAsync(cache, line => context.Log.Child(Name, line), cancellationToken).ConfigureAwait(false);
    }

    internal override void WriteManifest(ManifestBuilder manifest)
    {
        // Nothing to deploy: the library ships inside the service's image.
    }
}
