using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Security;

namespace Platform.Workflows;

/// <summary>
/// Keeps workflow <c>http.request</c> steps from reaching the platform's own network (SSRF): the
/// <see cref="OutboundTargetPolicy"/> with the operator's <see cref="WorkflowOptions.AllowedTargets"/>, applied on
/// every connection of the <c>workflows</c> HTTP client.
/// </summary>
public sealed class WorkflowTargetPolicy(IOptions<WorkflowOptions> options, ILogger<WorkflowTargetPolicy>? logger = null)
    : OutboundTargetPolicy((options ?? throw new ArgumentNullException(nameof(options))).Value.AllowedTargets, Purpose, logger)
{
    private const string Purpose = "workflows";

    /// <summary>What the organization is told when a step's host reaches a refused address.</summary>
    public static string RefusedMessage { get; } = RefusedMessageFor(Purpose);
}
