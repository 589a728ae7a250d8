using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Platform.Access;
using Platform.Data;
using Platform.Email;
using Platform.Identity;
using Platform.Security;
using Platform.Tenancy;
using Platform.Validation;
using Platform.Workflows;

namespace Api.Extensions;

/// <summary>
/// Turns the platform's domain exceptions into RFC 7807 responses with the right status, so a
/// client error is never a 500. Anything unknown falls through to the default 500 problem.
/// </summary>
internal sealed class DomainExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            ValidationFailedException validation => new HttpValidationProblemDetails(validation.Errors)
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request is not valid.",
            },
            SlugTakenException taken => new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Organization address taken", Detail = taken.Message },
            TenantRequiredException or CrossTenantWriteException => new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Not allowed in this organization",
                Detail = exception.Message,
            },
            UnknownPermissionException unknown => new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["permissions"] = [$"Not in the permission catalogue: {string.Join(", ", unknown.UnknownPermissions)}."],
            })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request is not valid.",
            },
            AccessDeniedException denied => Coded(StatusCodes.Status403Forbidden, denied.Code, "You do not have permission to do this.", denied.Message),
            AccessNotFoundException missing => Coded(StatusCodes.Status404NotFound, missing.Code, "Not found.", missing.Message),
            AccessRuleViolationException rule => Coded(StatusCodes.Status409Conflict, rule.Code, "This change is not allowed.", rule.Message),
            SecurityException security when security.Code.StartsWith("invalid_", StringComparison.Ordinal) =>
                new HttpValidationProblemDetails(new Dictionary<string, string[]> { [security.Field ?? "request"] = [security.Message] })
                {
                    Status = StatusCodes.Status400BadRequest,
                    Title = "The request is not valid.",
                },
            SecurityException security when security.Code.EndsWith("_not_found", StringComparison.Ordinal) =>
                Coded(StatusCodes.Status404NotFound, security.Code, "Not found.", security.Message),
            SecurityException security => Coded(StatusCodes.Status409Conflict, security.Code, "This change is not allowed.", security.Message),
            Platform.Webhooks.WebhookEndpointLimitException limit =>
                Coded(StatusCodes.Status409Conflict, Platform.Webhooks.WebhookEndpointLimitException.Code, "Too many webhook endpoints.", limit.Message),
            EmailTemplateNotFoundException missing => Coded(StatusCodes.Status404NotFound, EmailTemplateNotFoundException.Code, "Not found.", missing.Message),
            // 422: the request is well-formed, the workflow it describes is not; errors are keyed nodes.{id}.
            WorkflowValidationException invalid => new HttpValidationProblemDetails(invalid.Errors)
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Type = Problems.TypeFor("invalid_workflow"),
                Title = "The workflow is not valid.",
                Extensions =
                {
                    ["code"] = "invalid_workflow",
                    ["nodeErrors"] = invalid.Errors.Where(e => e.Key.StartsWith("nodes.", StringComparison.Ordinal))
                        .SelectMany(e => e.Value.Select(message => new { nodeId = e.Key["nodes.".Length..], message })).ToList(),
                },
            },
            WorkflowStateException state => Coded(StatusCodes.Status409Conflict, state.Code, "This is not possible in the current state.", state.Message),
            BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = "The request could not be read.", Detail = bad.Message },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        if (exception is AccessException access)
        {
            problem.Extensions["code"] = access.Code;
        }
        else if (exception is SecurityException security)
        {
            problem.Extensions["code"] = security.Code;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails Coded(int status, string code, string title, string detail) => Problems.Coded(status, code, title, detail);
}
