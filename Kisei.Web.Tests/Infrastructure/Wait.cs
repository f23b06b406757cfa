using System.Diagnostics;

namespace Kisei.Web.Tests.Infrastructure;

/// <summary>Waits on a condition with a deadline, in place of a sleep that guesses how long things take.</summary>
public static class Wait
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Returns once <paramref name="condition"/> holds; fails the test, naming <paramref name="description"/>, at the deadline.</summary>
    public static Task UntilAsync(Func<bool> condition, string description, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), description, timeout);
    }

    /// <summary>Returns once <paramref name="condition"/> holds; fails the test, naming <paramref name="description"/>, at the deadline.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string description, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > deadline)
                Assert.Fail($"Gave up after {deadline.TotalSeconds:0.#} s waiting until {description}.");
            await Task.Delay(PollInterval, TestContext.Current.CancellationToken);
        }
    }
}
