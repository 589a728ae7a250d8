using Platform.Caching;
using Platform.Data;

namespace Workers.Extensions;

internal static class ApplicationServices
{
    /// <summary>Everything the Workers need besides the service defaults.</summary>
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddMigrationsOnStart();
        builder.AddPlatformDatabase();
        builder.AddRedisClient();
    }
}
