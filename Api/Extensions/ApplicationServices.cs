using Platform.Caching;
using Platform.Data;

namespace Api.Extensions;

internal static class ApplicationServices
{
    /// <summary>Everything the Api needs besides the service defaults.</summary>
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.AddPlatformDatabase();
        builder.AddRedisClient();
    }
}
