using Microsoft.AspNetCore.Mvc;

namespace Api.Extensions;

/// <summary>
/// The Api's one error shape: an RFC 7807 document whose <c>type</c> and <c>code</c> name the error
/// in a way clients can switch on. Every middleware and handler builds and writes problems here.
/// </summary>
internal static class Problems
{
    public static string TypeFor(string code) => $"https://errors.platform.local/{code}";

    public static ProblemDetails Coded(int status, string code, string title, string? detail = null)
    {
        var problem = new ProblemDetails { Status = status, Type = TypeFor(code), Title = title, Detail = detail };
        problem.Extensions["code"] = code;
        return problem;
    }

    /// <summary>Writes <paramref name="problem"/> as the response (status from the document), through the host's problem service.</summary>
    public static async Task WriteAsync(HttpContext context, ProblemDetails problem)
    {
        context.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}
