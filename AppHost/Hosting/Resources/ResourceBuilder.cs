namespace AppHost.Hosting.Resources;

/// <summary>Fluent configuration of a resource, with Aspire's verbs.</summary>
public sealed class ResourceBuilder<T>(DistributedApplicationBuilder application, T resource)
    where T : Resource
{
    public T Resource { get; } = resource;

    public DistributedApplicationBuilder ApplicationBuilder { get; } = application;

    /// <summary>Start after <paramref name="dependency"/> is running and healthy.</summary>
    public ResourceBuilder<T> WaitFor<TOther>(ResourceBuilder<TOther> dependency)
        where TOther : Resource
    {
        ArgumentNullException.ThrowIfNull(dependency);
        Resource.WaitsFor.Add(dependency.Resource);
        return this;
    }

    /// <summary>Start after <paramref name="dependency"/> has run to completion successfully.</summary>
    public ResourceBuilder<T> WaitForCompletion<TOther>(ResourceBuilder<TOther> dependency)
        where TOther : Resource
    {
        ArgumentNullException.ThrowIfNull(dependency);
        Resource.WaitsForCompletion.Add(dependency.Resource);
        return this;
    }
}

/// <summary>Verbs that only some kinds of resource take.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>Passes the connection string as <c>ConnectionStrings__{name}</c> (plus connection properties).</summary>
    public static ResourceBuilder<ProjectResource> WithReference<TOther>(this ResourceBuilder<ProjectResource> builder, ResourceBuilder<TOther> source)
        where TOther : Resource, IResourceWithConnectionString
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(source);
        builder.Resource.ConnectionReferences.Add(source.Resource);
        return builder;
    }

    /// <summary>Passes the service's URL as <c>services__{name}__http__0</c> (plus <c>{NAME}_HTTP</c>).</summary>
    public static ResourceBuilder<ProjectResource> WithReference(this ResourceBuilder<ProjectResource> builder, ResourceBuilder<ProjectResource> service)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(service);
        builder.Resource.ServiceReferences.Add(service.Resource);
        return builder;
    }

    /// <summary>Marks the HTTP endpoint as reachable from outside (external ingress in Azure).</summary>
    public static ResourceBuilder<ProjectResource> WithExternalHttpEndpoints(this ResourceBuilder<ProjectResource> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.IsExternal = true;
        return builder;
    }

    /// <summary>The path the AppHost polls before calling the service healthy (default <c>/health</c>).</summary>
    public static ResourceBuilder<ProjectResource> WithHttpHealthCheck(this ResourceBuilder<ProjectResource> builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.HealthCheckPath = path;
        return builder;
    }

    /// <summary>An environment variable, in run mode and in the manifest.</summary>
    public static ResourceBuilder<ProjectResource> WithEnvironment(this ResourceBuilder<ProjectResource> builder, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.Environment[name] = value;
        return builder;
    }

    /// <summary>
    /// An environment variable in Azure whose value the operator supplies to azd (a <c>parameter.v0</c> named
    /// <paramref name="parameterName"/>, shared by the services that name it); not set in run mode.
    /// </summary>
    public static ResourceBuilder<ProjectResource> WithDeploymentParameter(this ResourceBuilder<ProjectResource> builder, string name, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.DeploymentParameters[name] = parameterName;
        return builder;
    }

    /// <summary>A generated secret shared by the services that name the same parameter (run mode; in Azure, managed identity replaces it).</summary>
    public static ResourceBuilder<ProjectResource> WithSecretParameter(this ResourceBuilder<ProjectResource> builder, string name, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.RunModeEnvironment.Add(context => new(name, context.Parameters.Get(parameterName)));
        return builder;
    }

    /// <summary>Passes the provisioned ONNX Runtime library as <c>OnnxRuntime__LibraryPath</c> and waits for it.</summary>
    public static ResourceBuilder<ProjectResource> WithReference(this ResourceBuilder<ProjectResource> builder, ResourceBuilder<OnnxRuntimeResource> onnxRuntime)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(onnxRuntime);
        builder.Resource.RunModeEnvironment.Add(_ => new("OnnxRuntime__LibraryPath", onnxRuntime.Resource.LibraryPath));
        return builder.WaitForCompletion(onnxRuntime);
    }
}
