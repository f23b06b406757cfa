using Hangfire.AspNetCore;
using Hangfire.Logging;

namespace Kisei.Web.Jobs;

/// <summary>
/// Hangfire's log, written to the app's logger factory; once that factory is disposed, nothing instead of an exception.
/// </summary>
/// <remarks>
/// Hangfire keeps one log provider for the whole process, set by the host that configured it last.
/// Hangfire.PostgreSql asks it for a logger for every job it fetches, and a worker whose logger throws
/// goes into Hangfire's failed state and comes back only after a back-off of up to minutes. So when the
/// factory behind the provider is disposed while another host in the process still runs jobs (an app
/// stopping while a second one starts, several hosts in one test process), that host's uploads would wait
/// minutes for a worker.
/// </remarks>
internal sealed class JobsLogProvider(ILoggerFactory factory) : ILogProvider
{
    private readonly AspNetCoreLogProvider log = new(factory);

    public ILog GetLogger(string name)
    {
        try
        {
            return log.GetLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return Silent.Instance;
        }
    }

    private sealed class Silent : ILog
    {
        public static readonly Silent Instance = new();

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
