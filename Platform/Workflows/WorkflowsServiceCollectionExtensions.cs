using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Platform.Workflows.Actions;

namespace Platform.Workflows;

/// <summary>Registers the workflows module.</summary>
public static class WorkflowsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the definition and execution services (scoped: they audit as the request), the runner, the event trigger,
    /// the validator and the built-in actions, with <see cref="WorkflowOptions"/> bound from <c>Workflows</c>, and the
    /// <c>workflows</c> HTTP client guarded by <see cref="WorkflowTargetPolicy"/>. Needs the database, audit, access
    /// control, notifications and (for <c>send_email</c> and failure notices by email) email registered.
    /// </summary>
    public static IHostApplicationBuilder AddWorkflows(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddWorkflows(builder.Configuration.GetSection(WorkflowOptions.SectionName));
        return builder;
    }

    /// <summary>The same registrations with options from <paramref name="configuration"/> (tests, tools).</summary>
    public static IServiceCollection AddWorkflows(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var options = services.AddOptions<WorkflowOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WorkflowTargetPolicy>();
        // Organizations choose the URLs: connect only to permitted addresses, follow no redirect, use no proxy.
        services.AddHttpClient(HttpRequestAction.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider => provider.GetRequiredService<WorkflowTargetPolicy>().CreateHandler())
            // Not the defaults every other client gets: service discovery would turn a tenant's http://api into the
            // platform's own service, and the runner already retries and times out each step.
            .ConfigureAdditionalHttpMessageHandlers((handlers, _) => handlers.Clear());
        services.AddWorkflowAction<SetVariableAction>();
        services.AddWorkflowAction<ConditionAction>();
        services.AddWorkflowAction<DelayAction>();
        services.AddWorkflowAction<HttpRequestAction>();
        services.AddWorkflowAction<NotifyAction>();
        services.AddWorkflowAction<AssignRoleAction>();
        services.AddWorkflowAction<SendEmailAction>();
        services.TryAddSingleton<WorkflowActionRegistry>();
        services.TryAddSingleton<WorkflowValidator>();
        services.TryAddSingleton<WorkflowRunner>();
        services.TryAddSingleton<WorkflowEventTriggers>();
        services.TryAddScoped<WorkflowDefinitionService>();
        services.TryAddScoped<WorkflowExecutionService>();
        return services;
    }

    /// <summary>
    /// Makes an action available to workflows (validation and execution find it by its type). Register it in every
    /// service that validates or runs workflows (Api and Workers), e.g. <c>services.AddWorkflowAction&lt;SendEmailAction&gt;()</c>.
    /// </summary>
    public static IServiceCollection AddWorkflowAction<TAction>(this IServiceCollection services)
        where TAction : class, IWorkflowAction
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWorkflowAction, TAction>());
        return services;
    }
}
