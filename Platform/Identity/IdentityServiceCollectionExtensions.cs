using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Data;
using Platform.Email;
using Platform.Identity.Mfa;
using Platform.Identity.Sessions;
using Platform.Identity.Tokens;

namespace Platform.Identity;

/// <summary>Registers accounts, sign-in, tokens, sessions, MFA and the shared data-protection key ring.</summary>
public static class IdentityServiceCollectionExtensions
{
    /// <summary>The data-protection application name: every service and replica must share it to read each other's tokens.</summary>
    public const string DataProtectionApplicationName = "business-platform";

    public static TBuilder AddPlatformIdentity<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<PlatformIdentityOptions>().BindConfiguration(PlatformIdentityOptions.SectionName);
        // Account emails (confirmation, password reset, invitations, security notices) are templated emails.
        builder.AddEmail();
        services.TryAddSingleton(TimeProvider.System);

        services.AddDataProtection().SetApplicationName(DataProtectionApplicationName);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(provider => new ConfigureOptions<KeyManagementOptions>(
            options => options.XmlRepository = new PostgresXmlRepository(provider.GetRequiredService<NpgsqlDataSource>())));

        services.AddIdentityCore<PlatformUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.SignIn.RequireConfirmedEmail = true;
                options.Password.RequiredLength = 10;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireDigit = false;
                options.Password.RequiredUniqueChars = 4;
                options.Lockout.AllowedForNewUsers = true;
            })
            .AddEntityFrameworkStores<PlatformDbContext>()
            .AddDefaultTokenProviders()
            .AddPasswordValidator<TrivialPasswordValidator>();
        services.AddSingleton<IConfigureOptions<IdentityOptions>>(provider =>
        {
            var platform = provider.GetRequiredService<IOptions<PlatformIdentityOptions>>().Value;
            return new ConfigureOptions<IdentityOptions>(options =>
            {
                options.Lockout.MaxFailedAccessAttempts = platform.MaxFailedAccessAttempts;
                options.Lockout.DefaultLockoutTimeSpan = platform.LockoutDuration;
            });
        });
        // Email-confirmation and password-reset codes are valid for one hour.
        services.Configure<DataProtectionTokenProviderOptions>(options => options.TokenLifespan = TimeSpan.FromHours(1));

        services.TryAddSingleton<SigningKeyStore>();
        services.TryAddSingleton<AccessTokenIssuer>();
        services.TryAddScoped<SessionService>();
        services.TryAddScoped<MfaService>();
        services.TryAddScoped<AccountService>();
        services.TryAddScoped<ApiKeys.ApiKeyService>();
        services.TryAddScoped<Invitations.InvitationService>();
        return builder;
    }
}
