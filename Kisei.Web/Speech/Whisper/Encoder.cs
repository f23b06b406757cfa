using System.Runtime.CompilerServices;

namespace Kisei.Web.Speech.Whisper;

/// <summary>
/// Whisper's audio encoder for one 30 s window (DESIGN §4.1): conv1 (kernel 3, pad 1) → GELU → conv2 (kernel 3,
/// stride 2, pad 1) → GELU, plus the position embedding; pre-LayerNorm blocks of self-attention and a 4d GELU MLP;
/// then ln_post. The convolutions run as matrix products over unfolded (im2col) input. Attention runs per head
/// and block of 64 queries: scores against all 1500 keys, softmax, then the weighted values, so a block's
/// scores stay in the worker's cache. All buffers are allocated once and reused for every window.
/// </summary>
internal sealed unsafe class Encoder : IDisposable
{
    private const int QueryBlock = 64;

    /// <summary>
    /// whisper.cpp's flash attention reads the keys and values from a cache padded with zeros to a multiple of
    /// 256 positions and masks nothing, so the 36 zero keys after position 1500 each add exp(0 − max) to the
    /// softmax's denominator (their values are zero). The reference tokens depend on it, so Kisei does the same.
    /// </summary>
    internal const int KeyPadding = 256;

    private readonly WhisperWeights _weights;
    private readonly WorkerPool _pool;
    private readonly MatMul _matMul;
    private readonly int _state;
    private readonly int _context;
    private readonly int _bands;
    private readonly AlignedBuffer<float> _x;
    private readonly AlignedBuffer<float> _norm;
    private readonly AlignedBuffer<float> _projections;
    private readonly AlignedBuffer<float> _attention;
    private readonly AlignedBuffer<float> _hidden;
    private readonly SelfAttention _selfAttention;

    public Encoder(WhisperWeights weights, WorkerPool pool, MatMul matMul)
    {
        _weights = weights;
        _pool = pool;
        _matMul = matMul;
        var hp = weights.Hyperparameters;
        _state = hp.AudioState;
        _context = hp.AudioContext;
        _bands = hp.MelBands;
        // The convolutions borrow the blocks' buffers: their unfolded inputs go where q, k and v will be, and
        // conv1's output into the MLP's hidden layer (base: 18 MB less resident memory).
        _x = new AlignedBuffer<float>((long)_context * _state);
        _norm = new AlignedBuffer<float>((long)_context * _state);
        _projections = new AlignedBuffer<float>(Math.Max(3L * _context * _state, 2L * _context * 3 * _bands));
        _attention = new AlignedBuffer<float>((long)_context * _state);
        _hidden = new AlignedBuffer<float>((long)_context * 4 * _state);
        Output = new AlignedBuffer<float>((long)_context * _state);
        _selfAttention = new SelfAttention(pool.ThreadCount, _context, _state, hp.AudioHeads, QueryBlock);
    }

    /// <summary>The encoded window, n_audio_ctx rows of n_state, valid after <see cref="Encode"/>.</summary>
    public AlignedBuffer<float> Output { get; }

    /// <summary>
    /// Encodes frames [<paramref name="firstFrame"/>, +3000) of a band-major spectrogram with
    /// <paramref name="totalFrames"/> frames per band; frames past its end count as zero, as in whisper.cpp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Encode(ReadOnlySpan<float> mel, int totalFrames, int firstFrame)
    {
        if (mel.Length != (long)_bands * totalFrames)
        {
            throw new ArgumentException($"The spectrogram must hold {_bands} × {totalFrames} values.", nameof(mel));
        }

        var half = _weights.HalfPrecisionActivations;
        var frames = 2 * _context;
        var s = _state;

        // 1. conv1 over the unfolded window: row t holds mel[c][t + k − 1] at column 3c + k.
        var unfolded1 = _projections.Pointer;
        for (var t = 0; t < frames; t++)
        {
            var row = unfolded1 + ((long)t * 3 * _bands);
            for (var c = 0; c < _bands; c++)
            {
                var band = mel.Slice(c * totalFrames, totalFrames);
                for (var k = 0; k < 3; k++)
                {
                    var frame = firstFrame + t + k - 1;
                    var inWindow = t + k - 1 >= 0 && t + k - 1 < frames;
                    row[(3 * c) + k] = inWindow && frame < totalFrames ? band[frame] : 0f;
                }
            }
        }

        Round(unfolded1, (long)frames * 3 * _bands, half);
        var conv1 = _hidden.Pointer;
        _matMul.Multiply(unfolded1, 3 * _bands, frames, _weights.Conv1, _weights.Conv1Bias.Pointer, conv1, s);
        TensorOps.Gelu(conv1, (long)frames * s);

        // 2. conv2 with stride 2: row t holds conv1[2t + k − 1][c] at column 3c + k.
        var unfolded2 = _projections.Pointer;
        for (var t = 0; t < _context; t++)
        {
            var row = unfolded2 + ((long)t * 3 * s);
            for (var k = 0; k < 3; k++)
            {
                var source = (2 * t) + k - 1;
                for (var c = 0; c < s; c++)
                {
                    row[(3 * c) + k] = source >= 0 && source < frames ? conv1[((long)source * s) + c] : 0f;
                }
            }
        }

        Round(unfolded2, (long)_context * 3 * s, half);
        var x = _x.Pointer;
        _matMul.Multiply(unfolded2, 3 * s, _context, _weights.Conv2, _weights.Conv2Bias.Pointer, x, s);
        TensorOps.Gelu(x, (long)_context * s);
        TensorOps.Add(x, _weights.EncoderPosition.Pointer, (long)_context * s);

        // 3. The transformer blocks.
        foreach (var block in _weights.EncoderBlocks)
        {
            Attend(block.Attention, half);
            Mlp(block.Mlp, half);
        }

        // 4. ln_post.
        TensorOps.LayerNorm(x, _context, s, _weights.EncoderNorm, Output.Pointer);
    }

    public void Dispose()
    {
        _x.Dispose();
        _norm.Dispose();
        _projections.Dispose();
        _attention.Dispose();
        _hidden.Dispose();
        Output.Dispose();
        _selfAttention.Dispose();
    }

    private static void Round(float* values, long count, bool half)
    {
        if (half)
        {
            HalfConversion.RoundToHalf(values, checked((int)count));
        }
    }

    private void Attend(AttentionWeights attention, bool half)
    {
        var n = _context;
        var s = _state;
        var norm = _norm.Pointer;
        var query = _projections.Pointer;
        var key = query + ((long)n * s);
        var value = key + ((long)n * s);
        TensorOps.LayerNorm(_x.Pointer, n, s, attention.Norm, norm);
        Round(norm, (long)n * s, half && attention.Query.IsHalf);
        _matMul.Multiply(norm, s, n, attention.Query, attention.QueryBias.Pointer, query, s);
        _matMul.Multiply(norm, s, n, attention.Key, null, key, s);
        _matMul.Multiply(norm, s, n, attention.Value, attention.ValueBias.Pointer, value, s);

        // whisper.cpp's flash attention reads Q, K and V in f16.
        Round(query, (long)n * s, half);
        Round(key, (long)n * s, half);
        Round(value, (long)n * s, half);
        _selfAttention.Run(_pool, query, key, value, _attention.Pointer);

        Round(_attention.Pointer, (long)n * s, half && attention.Output.IsHalf);
        _matMul.Multiply(_attention.Pointer, s, n, attention.Output, attention.OutputBias.Pointer, norm, s);
        TensorOps.Add(_x.Pointer, norm, (long)n * s);
    }

    private void Mlp(MlpWeights mlp, bool half)
    {
        var n = _context;
        var s = _state;
        var norm = _norm.Pointer;
        var hidden = _hidden.Pointer;
        TensorOps.LayerNorm(_x.Pointer, n, s, mlp.Norm, norm);
        Round(norm, (long)n * s, half && mlp.Up.IsHalf);
        _matMul.Multiply(norm, s, n, mlp.Up, mlp.UpBias.Pointer, hidden, 4 * s);
        TensorOps.Gelu(hidden, (long)n * 4 * s);
        Round(hidden, (long)n * 4 * s, half && mlp.Down.IsHalf);
        _matMul.Multiply(hidden, 4 * s, n, mlp.Down, mlp.DownBias.Pointer, norm, s);
        TensorOps.Add(_x.Pointer, norm, (long)n * s);
    }

    /// <summary>Non-causal multi-head attention over the whole window, as parallel (head, query block) tasks.</summary>
    private sealed class SelfAttention : IParallelWork, IDisposable
    {
        private const int Width = PackedMatrix.PanelWidth;

        private readonly int _context;
        private readonly int _state;
        private readonly int _heads;
        private readonly int _headSize;
        private readonly int _queryBlock;
        private readonly int _paddedKeys;
        private readonly int _keyPanels;
        private readonly int _valuePanels;
        private readonly int _scoreStride;
        private readonly AlignedBuffer<float> _packedKeys;
        private readonly AlignedBuffer<float> _packedValues;
        private readonly AlignedBuffer<float>[] _scores;
        private float* _query;
        private float* _output;

        public SelfAttention(int workers, int context, int state, int heads, int queryBlock)
        {
            _context = context;
            _state = state;
            _heads = heads;
            _headSize = state / heads;
            _queryBlock = queryBlock;
            _paddedKeys = (context + KeyPadding - 1) / KeyPadding * KeyPadding;
            _keyPanels = (_paddedKeys + Width - 1) / Width;
            _valuePanels = (_headSize + Width - 1) / Width;
            _scoreStride = _keyPanels * Width;
            _packedKeys = new AlignedBuffer<float>((long)heads * _keyPanels * Width * _headSize);
            _packedValues = new AlignedBuffer<float>((long)heads * _valuePanels * Width * context);
            _scores = new AlignedBuffer<float>[workers];
            for (var i = 0; i < workers; i++)
            {
                _scores[i] = new AlignedBuffer<float>((long)queryBlock * _scoreStride);
            }
        }

        public void Run(WorkerPool pool, float* query, float* key, float* value, float* output)
        {
            Pack(key, value);
            _query = query;
            _output = output;
            var blocks = (_context + _queryBlock - 1) / _queryBlock;
            pool.Run(this, _heads * blocks);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int index, int worker)
        {
            var blocks = (_context + _queryBlock - 1) / _queryBlock;
            var head = index / blocks;
            var row0 = index % blocks * _queryBlock;
            var rows = Math.Min(_queryBlock, _context - row0);
            var d = _headSize;
            var scores = _scores[worker].Pointer;
            var query = _query + ((long)row0 * _state) + (head * d);

            // Scores against every key: the keys are the "weights", packed as 32-key panels of d values.
            var keys = _packedKeys.Pointer + ((long)head * _keyPanels * Width * d);
            for (var p = 0; p < _keyPanels; p++)
            {
                MatMul.SingleKernel(query, _state, rows, keys + ((long)p * Width * d), d, scores + (p * Width), _scoreStride, null, Math.Min(Width, _context - (p * Width)));
            }

            var scale = 1f / MathF.Sqrt(d);
            for (var r = 0; r < rows; r++)
            {
                var row = scores + ((long)r * _scoreStride);
                new Span<float>(row + _context, _paddedKeys - _context).Clear();
                TensorOps.Softmax(row, _paddedKeys, scale);
            }

            // The weighted sum of values: the values are packed as 32-wide panels of the head's dimensions.
            var values = _packedValues.Pointer + ((long)head * _valuePanels * Width * _context);
            var output = _output + ((long)row0 * _state) + (head * d);
            for (var p = 0; p < _valuePanels; p++)
            {
                MatMul.SingleKernel(scores, _scoreStride, rows, values + ((long)p * Width * _context), _context, output + (p * Width), _state, null, Math.Min(Width, d - (p * Width)));
            }
        }

        public void Dispose()
        {
            _packedKeys.Dispose();
            _packedValues.Dispose();
            foreach (var buffer in _scores)
            {
                buffer.Dispose();
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Pack(float* key, float* value)
        {
            var d = _headSize;
            for (var h = 0; h < _heads; h++)
            {
                var keys = _packedKeys.Pointer + ((long)h * _keyPanels * Width * d);
                for (var t = 0; t < _context; t++)
                {
                    var panel = keys + ((long)(t / Width) * Width * d);
                    var lane = t % Width;
                    var source = key + ((long)t * _state) + (h * d);
                    for (var i = 0; i < d; i++)
                    {
                        panel[(i * Width) + lane] = source[i];
                    }
                }

                var values = _packedValues.Pointer + ((long)h * _valuePanels * Width * _context);
                for (var p = 0; p < _valuePanels; p++)
                {
                    var panel = values + ((long)p * Width * _context);
                    var width = Math.Min(Width, d - (p * Width));
                    for (var t = 0; t < _context; t++)
                    {
                        var source = value + ((long)t * _state) + (h * d) + (p * Width);
                        var row = panel + ((long)t * Width);
                        for (var j = 0; j < width; j++)
                        {
                            row[j] = source[j];
                        }
                    }
                }
            }
        }
    }
}
