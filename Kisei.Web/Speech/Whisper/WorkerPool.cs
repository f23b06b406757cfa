namespace Kisei.Web.Speech.Whisper;

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
/// stable worker index for scratch memory. One run at a time: callers serialize.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly ManualResetEventSlim _done = new(false);
    private IParallelWork? _work;
    private int _count;
    private int _next;
    private int _running;
    private Exception? _failure;
    private volatile bool _disposed;

    public WorkerPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ThreadCount = threadCount;
        _threads = new Thread[threadCount - 1];
        _start = new SemaphoreSlim[threadCount - 1];
        for (var i = 0; i < _threads.Length; i++)
        {
            _start[i] = new SemaphoreSlim(0);
            var worker = i + 1;
            _threads[i] = new Thread(() => Loop(worker)) { IsBackground = true, Name = $"whisper-{worker}" };
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

        _work = work;
        _count = count;
        _next = 0;
        _failure = null;
        _running = helpers + 1;
        _done.Reset();
        for (var i = 0; i < helpers; i++)
        {
            _start[i].Release();
        }

        Drain(0);
        _done.Wait();
        _work = null;
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
            start.Wait();
            if (_disposed)
            {
                return;
            }

            Drain(worker);
        }
    }

    private void Drain(int worker)
    {
        try
        {
            var work = _work!;
            while (true)
            {
                var index = Interlocked.Increment(ref _next) - 1;
                if (index >= _count)
                {
                    break;
                }

                work.Execute(index, worker);
            }
        }
        catch (Exception ex)
        {
            Interlocked.CompareExchange(ref _failure, ex, null);
            Interlocked.Exchange(ref _next, _count);
        }
        finally
        {
            if (Interlocked.Decrement(ref _running) == 0)
            {
                _done.Set();
            }
        }
    }
}
