namespace Kisei.Whisper;

/// <summary>
/// The memory that the encoder and the decoder take turns to use, laid out so that neither needs its own copy:
/// the decoder's f16 cross-attention cache (base: 19 MB) holds nothing while a window is encoded, so the encoder
/// works in it, and it is refilled from the encoded window straight after.
/// </summary>
/// <remarks>
/// The cache lies at the end, a layer after another, each layer's f16 values (n_audio_ctx × n_state) before its
/// keys (n_state × the padded window). The encoder's scratch starts at the beginning. For a model that computes
/// in f16, the encoder's residual stream (f32) also lies in the last layer's slot, and the encoder narrows its
/// final output to f16 in place, which leaves it exactly where that layer's values go: the decoder reads a block
/// of it, then writes the block's values over it, so the encoded window needs no memory of its own. An f32 model
/// keeps its residual stream and output apart (its output cannot be narrowed).
/// </remarks>
internal sealed unsafe class WhisperWorkspace : IDisposable
{
    private readonly AlignedBuffer<byte> _memory;
    private readonly AlignedBuffer<float>? _separateWindow;
    private readonly byte* _cache;

    /// <param name="hyperparameters">The model's shape.</param>
    /// <param name="encoderScratchBytes">Bytes the encoder needs besides its residual stream (<see cref="Encoder.ScratchBytes"/>).</param>
    /// <param name="halfPrecision">Whether the model computes in f16 (<see cref="WhisperWeights.HalfPrecisionActivations"/>).</param>
    public WhisperWorkspace(WhisperHyperparameters hyperparameters, long encoderScratchBytes, bool halfPrecision)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        var hp = hyperparameters;
        State = hp.TextState;
        AudioContext = hp.AudioContext;
        KeyStride = Encoder.PaddedKeys(AudioContext);
        HalfPrecision = halfPrecision;
        EncoderScratchBytes = Align(encoderScratchBytes);
        var windowLength = (long)AudioContext * State;
        LayerBytes = (windowLength + ((long)State * KeyStride)) * sizeof(ushort);
        var cacheBytes = hp.TextLayers * LayerBytes;

        // The residual stream (4 bytes a value) fits the last layer's slot (2 bytes a value, twice over, as the
        // padded window is longer than the window).
        var bytes = halfPrecision ? Math.Max(cacheBytes, EncoderScratchBytes + LayerBytes) : Math.Max(cacheBytes, EncoderScratchBytes);
        _memory = new AlignedBuffer<byte>(bytes);
        _cache = _memory.Pointer + bytes - cacheBytes;
        if (halfPrecision)
        {
            EncoderWindow = (float*)(_memory.Pointer + bytes - LayerBytes);
        }
        else
        {
            _separateWindow = new AlignedBuffer<float>(windowLength);
            EncoderWindow = _separateWindow.Pointer;
        }
    }

    public int State { get; }

    public int AudioContext { get; }

    /// <summary>Keys per row of a layer's transposed cross-attention keys: the window padded to 256 (see <see cref="Encoder.KeyPadding"/>).</summary>
    public int KeyStride { get; }

    /// <summary>Whether the encoded window is handed over in f16 (<see cref="EncodedHalf"/>) rather than f32 (<see cref="EncoderWindow"/>).</summary>
    public bool HalfPrecision { get; }

    /// <summary>Bytes of one layer's cross-attention keys and values.</summary>
    public long LayerBytes { get; }

    public long EncoderScratchBytes { get; }

    /// <summary>Bytes held, the separate window of an f32 model included.</summary>
    public long ByteCount => _memory.ByteCount + (_separateWindow?.ByteCount ?? 0);

    /// <summary>The encoder's scratch, <see cref="EncoderScratchBytes"/> long.</summary>
    public byte* EncoderScratch => _memory.Pointer;

    /// <summary>The encoder's residual stream, n_audio_ctx rows of n_state in f32; the encoded window of an f32 model.</summary>
    public float* EncoderWindow { get; }

    /// <summary>The encoded window in f16, n_audio_ctx rows of n_state, where the last layer's values go (f16 models).</summary>
    public ushort* EncodedHalf => HalfPrecision ? (ushort*)EncoderWindow : throw new InvalidOperationException("An f32 model hands over its encoded window in f32.");

    /// <summary>Layer <paramref name="layer"/>'s cross-attention values: [key][n_state].</summary>
    public ushort* CrossValues(int layer) => (ushort*)(_cache + (layer * LayerBytes));

    /// <summary>Layer <paramref name="layer"/>'s cross-attention keys: [head][dim][key], <see cref="KeyStride"/> keys a row.</summary>
    public ushort* CrossKeys(int layer) => CrossValues(layer) + ((long)AudioContext * State);

    public void Dispose()
    {
        _memory.Dispose();
        _separateWindow?.Dispose();
    }

    private static long Align(long bytes) => (bytes + 63) & ~63L;
}
