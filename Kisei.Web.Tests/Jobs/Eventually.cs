using System.Diagnostics;

namespace Kisei.Web.Tests.Jobs;

/// <summary>Asynchronous conditions on the dashboard's pages: until one holds, or that one keeps holding.</summary>
internal static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Returns once <paramref name="condition"/> holds; fails the test at the deadline.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string description, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"Gave up after {timeout.TotalSeconds:0.#} s waiting until {description}.");
            }

            await Task.Delay(PollInterval, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Checks <paramref name="condition"/> throughout <paramref name="window"/>; fails the test the first time it does not hold.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string description, TimeSpan window)
    {
        var clock = Stopwatch.StartNew();
        do
        {
            Assert.True(await condition(), $"After {clock.Elapsed.TotalSeconds:0.#} s it no longer held that {description}.");
            await Task.Delay(PollInterval, TestContext.Current.CancellationToken);
        }
        while (clock.Elapsed < window);
        Assert.True(await condition(), $"At the end of {window.TotalSeconds:0.#} s it no longer held that {description}.");
    }
}
