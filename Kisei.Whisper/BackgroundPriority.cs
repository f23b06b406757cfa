using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Kisei.Whisper;

/// <summary>
/// Lowers a thread's scheduling priority, so that the engine's threads give way to the other work of
/// the process (a web server's requests, say) whenever both want a core. On Linux the nice value is
/// per thread, and raising it needs no privilege; elsewhere nothing changes (.NET's thread priority is
/// not applied on Unix, and Windows is not a target here).
/// </summary>
internal static partial class BackgroundPriority
{
    /// <summary>The nice value of a lowered thread: a tenth of a normal thread's share of a contended core.</summary>
    public const int Nice = 10;

    private const int PrioProcess = 0;

    /// <summary>Lowers the calling thread; false where that is not possible.</summary>
    public static bool LowerCurrentThread() =>
        OperatingSystem.IsLinux() && SetPriority(PrioProcess, GetThreadId(), Nice) == 0;

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();
}

/// <summary>One thread of lowered priority that runs the calls handed to it, one at a time.</summary>
internal sealed class BackgroundThread : IDisposable
{
    private readonly BlockingCollection<Action> _calls = new();
    private readonly Thread _thread;

    public BackgroundThread(string name)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="call"/> on the thread and waits for it; its exception is rethrown here.</summary>
    public T Invoke<T>(Func<T> call)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        using var done = new ManualResetEventSlim(false);
        _calls.Add(() =>
        {
            try
            {
                result = call();
            }
#pragma warning disable CA1031 // any exception belongs to the caller, who rethrows it
            catch (Exception exception)
#pragma warning restore CA1031
            {
                failure = ExceptionDispatchInfo.Capture(exception);
            }
            finally
            {
                done.Set();
            }
        });
        done.Wait();
        failure?.Throw();
        return result;
    }

    public void Dispose()
    {
        _calls.CompleteAdding();
        _thread.Join();
        _calls.Dispose();
    }

    private void Loop()
    {
        BackgroundPriority.LowerCurrentThread();
        foreach (var call in _calls.GetConsumingEnumerable())
        {
            call();
        }
    }
}
