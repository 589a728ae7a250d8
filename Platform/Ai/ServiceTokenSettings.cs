using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Platform.Ai;

/// <summary>Registers <see cref="ServiceTokenOptions"/> for a service that calls, or answers, with service credentials.</summary>
public static class ServiceTokenSettings
{
    /// <summary>
    /// Binds section <c>ServiceTokens</c>. Outside Development (and in it too when <paramref name="inDevelopment"/>) the
    /// service refuses to start when <paramref name="problem"/> finds the settings of its mode missing, with that message:
    /// a deployment without them would otherwise start and fail every model call.
    /// </summary>
    public static OptionsBuilder<ServiceTokenOptions> AddServiceTokenOptions(
        this IHostApplicationBuilder builder, Func<ServiceTokenOptions, string?> problem, bool inDevelopment = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<ServiceTokenOptions>().BindConfiguration(ServiceTokenOptions.SectionName);
        if (inDevelopment || !builder.Environment.IsDevelopment())
        {
            builder.Services.AddSingleton<IValidateOptions<ServiceTokenOptions>>(new Completeness(problem));
            options.ValidateOnStart();
        }

        return options;
    }

    private sealed class Completeness(Func<ServiceTokenOptions, string?> problem) : IValidateOptions<ServiceTokenOptions>
    {
        public ValidateOptionsResult Validate(string? name, ServiceTokenOptions options) =>
            problem(options) is { } message ? ValidateOptionsResult.Fail(message) : ValidateOptionsResult.Success;
    }
}
