using System.Runtime.InteropServices;

namespace Kisei.Whisper;

/// <summary>
/// Unmanaged memory aligned to a cache line, for weights and activations the kernels read through pointers:
/// it never moves, and 64-byte alignment keeps 512-bit loads within one cache line.
/// </summary>
internal sealed unsafe class AlignedBuffer<T> : IDisposable
    where T : unmanaged
{
    private const int Alignment = 64;
    private T* _pointer;

    /// <param name="length">Elements.</param>
    /// <param name="zeroed">
    /// Whether to clear the memory. A buffer whose every element is written before it is read can skip it: then
    /// the pages it never touches need not become resident (glibc maps a large block fresh from the system).
    /// </param>
    public AlignedBuffer(long length, bool zeroed = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        var bytes = (nuint)Math.Max(1, length * sizeof(T));
        _pointer = (T*)NativeMemory.AlignedAlloc(bytes, Alignment);
        if (zeroed)
        {
            NativeMemory.Clear(_pointer, bytes);
        }

        ByteCount = (long)bytes;
        GC.AddMemoryPressure(ByteCount);
    }

    ~AlignedBuffer() => Free();

    public long Length { get; }

    public long ByteCount { get; }

    public T* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer == null, this);
            return _pointer;
        }
    }

    /// <summary>The buffer as a span; only for buffers under 2^31 elements.</summary>
    public Span<T> Span => new(Pointer, checked((int)Length));

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (_pointer != null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
            GC.RemoveMemoryPressure(ByteCount);
        }
    }
}
