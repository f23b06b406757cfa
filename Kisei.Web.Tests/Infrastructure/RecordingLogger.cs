using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Kisei.Web.Tests.Infrastructure;

/// <summary>Keeps every message for assertions and copies it to the current test's output.</summary>
public sealed class RecordingLogger : ILogger
{
    private readonly ConcurrentQueue<string> messages = new();

    /// <summary>The messages so far, formatted, each prefixed with its level.</summary>
    public IReadOnlyList<string> Messages => [.. messages];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var message = $"{logLevel}: {formatter(state, exception)}";
        messages.Enqueue(message);
        try
        {
            TestContext.Current.TestOutputHelper?.WriteLine(message);
        }
        catch (InvalidOperationException)
        {
            // The test has finished; the message is still kept.
        }
    }
}
