using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Commands;

/// <summary>
/// What the long-running commands share: string flags that bind onto an options class (flags win
/// over EDGELB_* environment variables, which win over defaults), validation that names the flag,
/// a --log-level flag and the console logger.
/// </summary>
internal static class SettingsCommand
{
    /// <summary>
    /// Builds the command; <paramref name="run"/> gets validated options, loggers and the SIGTERM
    /// token. <paramref name="bind"/> is the caller's <c>configuration.Bind(options)</c>: called with
    /// the concrete options type, the binding source generator writes it, so no reflection is needed.
    /// </summary>
    public static Command Create<TOptions>(
        string name,
        string description,
        IReadOnlyList<(Option<string?> Option, string Setting)> flags,
        Action<IConfiguration, TOptions> bind,
        Func<TOptions, IReadOnlyList<string>> validate,
        Func<TOptions, ILoggerFactory, TextWriter, CancellationToken, Task<int>> run)
        where TOptions : class, new()
    {
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Information, Debug, Warning, …", DefaultValueFactory = _ => LogLevel.Information };
        var logTimestamps = new Option<bool>("--log-timestamps")
        {
            // Container runtimes stamp log lines themselves; processes started by hand (the lab) need it to order events across nodes.
            Description = "Begin each log line with the UTC time to the millisecond (also EDGELB_LOG_TIMESTAMPS=1)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("EDGELB_LOG_TIMESTAMPS") == "1",
        };
        var command = new Command(name, description);
        foreach (var (option, _) in flags)
        {
            command.Options.Add(option);
        }

        command.Options.Add(logLevel);
        command.Options.Add(logTimestamps);
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var given = flags
                .Where(f => parse.GetValue(f.Option) is not null)
                .ToDictionary(f => f.Setting, f => parse.GetValue(f.Option), StringComparer.Ordinal);
            var options = new TOptions();
            try
            {
                bind(
                    new ConfigurationBuilder()
                        .AddEnvironmentVariables("EDGELB_")
                        .AddInMemoryCollection(given)
                        .Build(),
                    options);
            }
            catch (InvalidOperationException ex)
            {
                await error.WriteLineAsync($"edgelb {name}: {ex.Message}");
                return 2;
            }

            if (validate(options) is { Count: > 0 } problems)
            {
                foreach (var problem in problems)
                {
                    await error.WriteLineAsync($"edgelb {name}: {problem}");
                }

                return 2;
            }

            using var loggers = LoggerFactory.Create(b => b
                .AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    if (parse.GetValue(logTimestamps))
                    {
                        o.TimestampFormat = "HH:mm:ss.fff ";
                        o.UseUtcTimestamp = true;
                    }
                })
                .SetMinimumLevel(parse.GetValue(logLevel))
                .AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
            return await run(options, loggers, error, ct);
        });
        return command;
    }
}
