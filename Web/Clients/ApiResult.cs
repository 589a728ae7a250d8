namespace Web.Clients;

/// <summary>What an Api call gave: a value, or the problem the Api described.</summary>
public readonly record struct ApiResult<T>(T? Value, ApiProblem? Problem)
{
    public bool Succeeded => Problem is null;

    public static implicit operator ApiResult<T>(ApiProblem problem) => new(default, problem);
}

/// <summary>The answer of a call with no body to return.</summary>
public readonly record struct Done;
