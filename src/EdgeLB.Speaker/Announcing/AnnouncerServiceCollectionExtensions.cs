using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeLB.Speaker.Announcing;

/// <summary>Registers the announcer for the speaker host.</summary>
public static class AnnouncerServiceCollectionExtensions
{
    public static IServiceCollection AddEdgeLbAnnouncer(this IServiceCollection services, Action<AnnouncerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<AnnouncerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o =>
        {
            o.Validate();
            return true;
        }).ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAnnouncer>(sp => new Announcer(
            new HostLinkEnvironment(),
            sp.GetRequiredService<IOptions<AnnouncerOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeLB.Speaker.Announcing"),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        return services;
    }
}
