using System.Diagnostics;

namespace Kisei.Whisper;

/// <summary>A unit of parallel work: <see cref="Execute"/> runs once for every index, on whichever worker is free.</summary>
internal interface IParallelWork
{
    /// <param name="index">The task index in [0, count).</param>
    /// <param name="worker">The worker running it, in [0, threads): an index into per-worker scratch buffers.</param>
    void Execute(int index, int worker);
}

/// <summary>
/// A fixed set of threads that run <see cref="IParallelWork"/> together with the caller. Unlike Parallel.For it
/// allocates nothing per run, which keeps the per-token decoder loop free of garbage, and it gives each task a
/// stable worker index for scratch memory. The caller claims tasks too and waits only for tasks that a worker has
/// claimed, never for a worker to wake up: on a busy machine a late worker simply finds nothing left to do.
/// One run at a time: callers serialize.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 2000;

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly int[] _sleeping;
    private readonly ManualResetEventSlim _done = new(false);
    private IParallelWork? _work;
    private int _count;

    // (generation << 32) | next task index: a worker's claim succeeds only within the run it saw.
    private long _claims;
    private int _completed;
    private Exception? _failure;
    private volatile bool _disposed;

    /// <param name="threadCount">The threads of a run, the caller's included.</param>
    /// <param name="background">Lower the workers' scheduling priority (see <see cref="BackgroundPriority"/>).</param>
    public WorkerPool(int threadCount, bool background = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ThreadCount = threadCount;
        _threads = new Thread[threadCount - 1];
        _start = new SemaphoreSlim[threadCount - 1];
        _sleeping = new int[threadCount - 1];
        for (var i = 0; i < _threads.Length; i++)
        {
            _start[i] = new SemaphoreSlim(0);
            var worker = i + 1;
            _threads[i] = new Thread(() =>
            {
                if (background)
                {
                    BackgroundPriority.LowerCurrentThread();
                }

                Loop(worker);
            }) { IsBackground = true, Name = $"whisper-{worker}" };
            _threads[i].Start();
        }
    }

    public int ThreadCount { get; }

    /// <summary>
    /// Runs <paramref name="work"/> for indices [0, <paramref name="count"/>) and returns when all are done.
    /// With <paramref name="parallel"/> false the caller runs every task itself: waking a thread costs tens of
    /// microseconds, more than a small task.
    /// </summary>
    public void Run(IParallelWork work, int count, bool parallel = true)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count <= 0)
        {
            return;
        }

        var helpers = parallel ? Math.Min(_threads.Length, count - 1) : 0;
        if (helpers == 0)
        {
            for (var i = 0; i < count; i++)
            {
                work.Execute(i, 0);
            }

            return;
        }

        // Close the previous run's claim word before replacing its fields: a worker that read the old word and
        // then the new fields would otherwise win its compare-and-swap and run a task of this run twice. The
        // closed word offers nothing (its index is past any count); the next generation opens this run.
        var generation = (Volatile.Read(ref _claims) >> 32) + 1;
        Volatile.Write(ref _claims, (generation << 32) | int.MaxValue);
        _work = work;
        _count = count;
        _completed = 0;
        _failure = null;
        _done.Reset();
        Volatile.Write(ref _claims, (generation + 1) << 32);
        for (var i = 0; i < helpers; i++)
        {
            // A worker still spinning after the previous run sees the new generation by itself.
            if (Interlocked.Exchange(ref _sleeping[i], 0) == 1)
            {
                _start[i].Release();
            }
        }

        Drain(0);
        if (Volatile.Read(ref _completed) < count)
        {
            _done.Wait();
        }

        if (_failure is { } failure)
        {
            throw new AggregateException("A Whisper worker failed.", failure);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var start in _start)
        {
            start.Release();
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }

        foreach (var start in _start)
        {
            start.Dispose();
        }

        _done.Dispose();
    }

    private void Loop(int worker)
    {
        var start = _start[worker - 1];
        while (true)
        {
            Volatile.Write(ref _sleeping[worker - 1], 1);
            start.Wait();
            if (_disposed)
            {
                return;
            }

            // Runs come in bursts (a decoder step is some thirty products), so after each one the worker polls
            // for the next for half a millisecond instead of going back to sleep, as ggml's thread pool does.
            var generation = Volatile.Read(ref _claims) >> 32;
            var idleSince = Stopwatch.GetTimestamp();
            while (!_disposed)
            {
                Drain(worker);
                var spins = 0;
                while (Volatile.Read(ref _claims) >> 32 == generation && Stopwatch.GetTimestamp() - idleSince < SpinTicks)
                {
                    Thread.SpinWait(++spins < 64 ? 16 : 64);
                }

                var current = Volatile.Read(ref _claims) >> 32;
                if (current == generation)
                {
                    break;
                }

                generation = current;
                Volatile.Write(ref _sleeping[worker - 1], 0);
                idleSince = Stopwatch.GetTimestamp();
            }
        }
    }

    private void Drain(int worker)
    {
        while (true)
        {
            var claims = Volatile.Read(ref _claims);
            var index = (int)(claims & 0xFFFFFFFF);

            // Read the run's fields before claiming: a claim succeeds only while the word is the one read, and
            // Run closes the word before it changes the fields, so a successful claim was made with this run's.
            var work = _work;
            var count = _count;
            if (index >= count || work is null)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _claims, claims + 1, claims) != claims)
            {
                continue;
            }

            try
            {
                if (_failure is null)
                {
                    work.Execute(index, worker);
                }
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _failure, ex, null);
            }

            if (Interlocked.Increment(ref _completed) == count)
            {
                _done.Set();
            }
        }
    }
}
