using System.Runtime.CompilerServices;
using Quartz;

namespace Kisei.Web.Tests.Jobs;

/// <summary>A job that fails: it throws an <see cref="InvalidOperationException"/> with the message its job data carries.</summary>
public sealed class ThrowingJob : IJob
{
    public const string MessageKey = "message";

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ExplodeOnPurpose(context.MergedJobDataMap.GetString(MessageKey) ?? "no message");
        return ValueTask.CompletedTask;
    }

    /// <summary>Named so that its frame is easy to find in a stack trace.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ExplodeOnPurpose(string message) => throw new InvalidOperationException(message);
}

/// <summary>A job that does nothing, for schedules whose firing is what a test watches.</summary>
[DisallowConcurrentExecution]
public sealed class TickJob : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
