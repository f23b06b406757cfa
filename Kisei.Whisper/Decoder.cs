using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Kisei.Whisper;

/// <summary>
/// Whisper's text decoder (docs/design.md §4): token embedding plus learned position; blocks of causal self-attention
/// over a key/value cache, cross-attention over the encoded window, and a 4d GELU MLP; the final LayerNorm; logits
/// against the token embedding. <see cref="BeginWindow"/> computes the cross-attention keys and values once per
/// window; <see cref="Forward"/> then runs a few tokens at a time. Every buffer is allocated up front, so decoding
/// a token allocates nothing. Keys, values and queries are rounded to f16 where whisper.cpp stores them in f16.
/// </summary>
/// <remarks>
/// The cross-attention cache lies in a <see cref="WhisperWorkspace"/> shared with the <see cref="Encoder"/>, which
/// uses it as scratch while it encodes a window: call <see cref="BeginWindow"/> after every <see cref="Encoder.Encode"/>.
/// </remarks>
internal sealed unsafe class Decoder : IDisposable
{
    /// <summary>The most tokens one <see cref="Forward"/> call takes (the prompt).</summary>
    public const int MaxBatch = 4;

    private const int KeyBlock = 128;

    private readonly WhisperWeights _weights;
    private readonly WorkerPool _pool;
    private readonly MatMul _matMul;
    private readonly int _state;
    private readonly int _heads;
    private readonly int _headSize;
    private readonly int _audioContext;
    private readonly int _textContext;
    private readonly int _keyStride;
    private readonly int _vocabularySize;
    private readonly bool _half;
    private readonly float _headScale;

    /// <summary>Rows of the encoded window projected at a time by <see cref="BeginWindow"/>.</summary>
    private const int WindowBlock = 128;

    private readonly WhisperWorkspace _workspace;
    private readonly AlignedBuffer<float> _windowBlock;
    private readonly AlignedBuffer<float> _projectedBlock;
    private readonly AlignedBuffer<ushort>[]? _selfKeysHalf;
    private readonly AlignedBuffer<ushort>[]? _selfValuesHalf;
    private readonly AlignedBuffer<float>[]? _selfKeys;
    private readonly AlignedBuffer<float>[]? _selfValues;
    private readonly AlignedBuffer<float> _x;
    private readonly AlignedBuffer<float> _norm;
    private readonly AlignedBuffer<float> _query;
    private readonly AlignedBuffer<float> _key;
    private readonly AlignedBuffer<float> _value;
    private readonly AlignedBuffer<float> _attention;
    private readonly AlignedBuffer<float> _projection;
    private readonly AlignedBuffer<float> _hidden;
    private readonly CrossAttention _crossAttention;
    private readonly float[] _scores;
    private readonly AlignedBuffer<float> _logits;
    private int _lastBatch;

    /// <summary>Keeps the cross-attention cache in <paramref name="workspace"/>, which the caller owns.</summary>
    public Decoder(WhisperWeights weights, WorkerPool pool, MatMul matMul, WhisperWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        _weights = weights;
        _pool = pool;
        _matMul = matMul;
        var hp = weights.Hyperparameters;
        _state = hp.TextState;
        _heads = hp.TextHeads;
        _headSize = _state / _heads;
        _audioContext = hp.AudioContext;
        _textContext = hp.TextContext;
        _vocabularySize = hp.VocabularySize;
        _half = weights.HalfPrecisionActivations;
        _headScale = MathF.Pow(_headSize, -0.25f);
        if (workspace.HalfPrecision != _half || workspace.State != _state || workspace.AudioContext != _audioContext)
        {
            throw new ArgumentException("The workspace was laid out for another model.", nameof(workspace));
        }

        _workspace = workspace;
        _keyStride = workspace.KeyStride;
        var layers = hp.TextLayers;
        _windowBlock = new AlignedBuffer<float>((long)WindowBlock * _state);
        _projectedBlock = new AlignedBuffer<float>((long)WindowBlock * _state);
        // The self-attention cache is f16 where whisper.cpp keeps it in f16 (every file but f32), and is left
        // unwritten, so that the positions a window never reaches need not become resident.
        var cacheLength = (long)_textContext * _state;
        if (_half)
        {
            _selfKeysHalf = [.. Enumerable.Range(0, layers).Select(_ => new AlignedBuffer<ushort>(cacheLength, zeroed: false))];
            _selfValuesHalf = [.. Enumerable.Range(0, layers).Select(_ => new AlignedBuffer<ushort>(cacheLength, zeroed: false))];
        }
        else
        {
            _selfKeys = [.. Enumerable.Range(0, layers).Select(_ => new AlignedBuffer<float>(cacheLength, zeroed: false))];
            _selfValues = [.. Enumerable.Range(0, layers).Select(_ => new AlignedBuffer<float>(cacheLength, zeroed: false))];
        }

        _x = new AlignedBuffer<float>(MaxBatch * _state);
        _norm = new AlignedBuffer<float>(MaxBatch * _state);
        _query = new AlignedBuffer<float>(MaxBatch * _state);
        _key = new AlignedBuffer<float>(MaxBatch * _state);
        _value = new AlignedBuffer<float>(MaxBatch * _state);
        _attention = new AlignedBuffer<float>(MaxBatch * _state);
        _projection = new AlignedBuffer<float>(MaxBatch * _state);
        _hidden = new AlignedBuffer<float>(MaxBatch * 4 * _state);
        _logits = new AlignedBuffer<float>(2L * _vocabularySize);
        _crossAttention = new CrossAttention(this, pool.ThreadCount);
        _scores = new float[_textContext];
    }

    /// <summary>The logits (n_vocab) of the first token of the last <see cref="Forward"/> call.</summary>
    public float* FirstLogits => _logits.Pointer;

    /// <summary>The logits (n_vocab) of the last token of the last <see cref="Forward"/> call: the next token's.</summary>
    public float* LastLogits => _logits.Pointer + (_lastBatch > 1 ? _vocabularySize : 0);

    /// <summary>
    /// Computes every layer's cross-attention keys and values from the window that <see cref="Encoder.Encode"/> left
    /// in the workspace, a block of rows at a time. The last layer comes last: an f16 window lies where its values go,
    /// and each block of values is written only over rows already read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void BeginWindow()
    {
        var n = _audioContext;
        var s = _state;
        var window = _windowBlock.Pointer;
        var projected = _projectedBlock.Pointer;
        for (var l = 0; l < _weights.DecoderBlocks.Count; l++)
        {
            var cross = _weights.DecoderBlocks[l].CrossAttention!;
            var keys = _workspace.CrossKeys(l);
            var values = _workspace.CrossValues(l);
            foreach (var (row0, rows) in Encoder.RowBlocks(n, WindowBlock))
            {
                // whisper.cpp converts the encoder output to f16 once for both products: an f16 model's window
                // already is, and widening it is exact.
                float* input;
                if (_half)
                {
                    HalfConversion.ToSingle(_workspace.EncodedHalf + ((long)row0 * s), window, rows * s);
                    input = window;
                }
                else
                {
                    input = _workspace.EncoderWindow + ((long)row0 * s);
                }

                _matMul.Multiply(input, s, rows, cross.Key, null, projected, s);
                TensorOps.Scale(projected, (long)rows * s, _headScale);
                var narrowed = (ushort*)projected;
                HalfConversion.ToHalf(projected, narrowed, rows * s);
                TransposeKeys(narrowed, rows, keys + row0);

                // Values as f16 rows: [key][n_state], a head being a slice of d.
                _matMul.Multiply(input, s, rows, cross.Value, cross.ValueBias.Pointer, projected, s);
                HalfConversion.ToHalf(projected, values + ((long)row0 * s), rows * s);
            }

            // The padding keys are zero (see Encoder.KeyPadding); the encoder used this memory as scratch.
            for (var c = 0; c < s; c++)
            {
                new Span<ushort>(keys + ((long)c * _keyStride) + n, _keyStride - n).Clear();
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="rows"/> rows of n_state f16 keys as columns of <paramref name="keys"/> (rows of
    /// <see cref="_keyStride"/>), 32 keys at a time, so that each cache line of a column row is written whole while
    /// the 32 source rows stay in the first-level cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TransposeKeys(ushort* source, int rows, ushort* keys)
    {
        var s = _state;
        for (var t0 = 0; t0 < rows; t0 += 32)
        {
            var width = Math.Min(32, rows - t0);
            for (var c = 0; c < s; c++)
            {
                var destination = keys + ((long)c * _keyStride) + t0;
                var column = source + ((long)t0 * s) + c;
                for (var t = 0; t < width; t++)
                {
                    destination[t] = column[(long)t * s];
                }
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="tokens"/> at positions <paramref name="position"/>, +1, ... and writes the logits of the
    /// first and the last of them (<see cref="FirstLogits"/>, <see cref="LastLogits"/>). Earlier positions must
    /// already be in the cache.
    /// </summary>
    public void Forward(ReadOnlySpan<int> tokens, int position)
    {
        var m = tokens.Length;
        if (m is < 1 or > MaxBatch || position < 0 || position + m > _textContext)
        {
            throw new ArgumentOutOfRangeException(nameof(tokens), $"Between 1 and {MaxBatch} tokens within the {_textContext}-token context.");
        }

        var s = _state;
        var x = _x.Pointer;
        var norm = _norm.Pointer;
        var embedding = new Span<float>(x, m * s);
        for (var r = 0; r < m; r++)
        {
            if ((uint)tokens[r] >= (uint)_vocabularySize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[r], "Token id outside the vocabulary.");
            }

            var row = embedding.Slice(r * s, s);
            _weights.TokenEmbedding.ReadRow(tokens[r], row);
            fixed (float* embedded = row)
            {
                TensorOps.Add(embedded, _weights.DecoderPosition.Pointer + ((long)(position + r) * s), s);
            }
        }

        for (var l = 0; l < _weights.DecoderBlocks.Count; l++)
        {
            var block = _weights.DecoderBlocks[l];
            SelfAttend(l, block.Attention, m, position);
            CrossAttend(l, block.CrossAttention!, m);
            Mlp(block.Mlp, m);
        }

        // Only the first token's logits (the no-speech probability) and the last one's (the next token) are read,
        // so only their rows are projected: the token embedding is the largest matrix by far.
        TensorOps.LayerNorm(x, m, s, _weights.DecoderNorm, norm);
        Round(norm, m * s, _weights.TokenEmbedding.IsHalf);
        _matMul.Multiply(norm, (m - 1) * s, Math.Min(m, 2), _weights.TokenEmbedding, null, _logits.Pointer, _vocabularySize);
        _lastBatch = m;
    }

    public void Dispose()
    {
        _windowBlock.Dispose();
        _projectedBlock.Dispose();
        foreach (var buffer in (_selfKeysHalf ?? []).Concat(_selfValuesHalf ?? []))
        {
            buffer.Dispose();
        }

        foreach (var buffer in (_selfKeys ?? []).Concat(_selfValues ?? []))
        {
            buffer.Dispose();
        }

        _x.Dispose();
        _norm.Dispose();
        _query.Dispose();
        _key.Dispose();
        _value.Dispose();
        _attention.Dispose();
        _projection.Dispose();
        _hidden.Dispose();
        _logits.Dispose();
        _crossAttention.Dispose();
    }

    private void Round(float* values, int count, bool matrixIsHalf)
    {
        if (_half && matrixIsHalf)
        {
            HalfConversion.RoundToHalf(values, count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SelfAttend(int layer, AttentionWeights attention, int m, int position)
    {
        var s = _state;
        var norm = _norm.Pointer;
        TensorOps.LayerNorm(_x.Pointer, m, s, attention.Norm, norm);
        Round(norm, m * s, attention.Query.IsHalf);
        _matMul.Multiply(norm, s, m, attention.Query, attention.QueryBias.Pointer, _query.Pointer, s);
        _matMul.Multiply(norm, s, m, attention.Key, null, _key.Pointer, s);
        _matMul.Multiply(norm, s, m, attention.Value, attention.ValueBias.Pointer, _value.Pointer, s);

        // whisper.cpp scales q and k by d^-0.25 each and keeps the cache (and, in its flash attention, q) in f16.
        TensorOps.Scale(_query.Pointer, m * s, _headScale);
        TensorOps.Scale(_key.Pointer, m * s, _headScale);
        if (_half)
        {
            HalfConversion.RoundToHalf(_query.Pointer, m * s);
            HalfConversion.ToHalf(_key.Pointer, _selfKeysHalf![layer].Pointer + ((long)position * s), m * s);
            HalfConversion.ToHalf(_value.Pointer, _selfValuesHalf![layer].Pointer + ((long)position * s), m * s);
            AttendToCache(_selfKeysHalf[layer].Pointer, _selfValuesHalf[layer].Pointer, m, position);
        }
        else
        {
            var keys = _selfKeys![layer].Pointer;
            var values = _selfValues![layer].Pointer;
            Buffer.MemoryCopy(_key.Pointer, keys + ((long)position * s), (long)(_textContext - position) * s * sizeof(float), (long)m * s * sizeof(float));
            Buffer.MemoryCopy(_value.Pointer, values + ((long)position * s), (long)(_textContext - position) * s * sizeof(float), (long)m * s * sizeof(float));
            AttendToCache(keys, values, m, position);
        }

        Round(_attention.Pointer, m * s, attention.Output.IsHalf);
        _matMul.Multiply(_attention.Pointer, s, m, attention.Output, attention.OutputBias.Pointer, _projection.Pointer, s);
        TensorOps.Add(_x.Pointer, _projection.Pointer, m * s);
    }

    /// <summary>
    /// Causal attention of the <paramref name="m"/> queries over the cache, up to each query's own position. The
    /// cache holds f16 bits (<typeparamref name="T"/> = ushort) or f32; the JIT compiles one loop for each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AttendToCache<T>(T* keys, T* values, int m, int position)
        where T : unmanaged
    {
        var s = _state;
        var d = _headSize;
        fixed (float* scores = _scores)
        {
            for (var r = 0; r < m; r++)
            {
                var visible = position + r + 1;
                for (var h = 0; h < _heads; h++)
                {
                    var q = _query.Pointer + (r * s) + (h * d);
                    for (var j = 0; j < visible; j++)
                    {
                        var key = keys + ((long)j * s) + (h * d);
                        scores[j] = typeof(T) == typeof(ushort) ? TensorOps.Dot(q, (ushort*)key, d) : TensorOps.Dot(q, (float*)key, d);
                    }

                    TensorOps.Softmax(scores, visible, 1f);
                    var output = _attention.Pointer + (r * s) + (h * d);
                    new Span<float>(output, d).Clear();
                    for (var j = 0; j < visible; j++)
                    {
                        var value = values + ((long)j * s) + (h * d);
                        if (typeof(T) == typeof(ushort))
                        {
                            TensorOps.MultiplyAdd((ushort*)value, scores[j], output, d);
                        }
                        else
                        {
                            TensorOps.MultiplyAdd((float*)value, scores[j], output, d);
                        }
                    }
                }
            }
        }
    }

    private void CrossAttend(int layer, AttentionWeights cross, int m)
    {
        var s = _state;
        var norm = _norm.Pointer;
        TensorOps.LayerNorm(_x.Pointer, m, s, cross.Norm, norm);
        Round(norm, m * s, cross.Query.IsHalf);
        _matMul.Multiply(norm, s, m, cross.Query, cross.QueryBias.Pointer, _query.Pointer, s);
        if (_half)
        {
            HalfConversion.RoundToHalf(_query.Pointer, m * s);
        }

        _crossAttention.Run(layer, m);
        Round(_attention.Pointer, m * s, cross.Output.IsHalf);
        _matMul.Multiply(_attention.Pointer, s, m, cross.Output, cross.OutputBias.Pointer, _projection.Pointer, s);
        TensorOps.Add(_x.Pointer, _projection.Pointer, m * s);
    }

    private void Mlp(MlpWeights mlp, int m)
    {
        var s = _state;
        var norm = _norm.Pointer;
        var hidden = _hidden.Pointer;
        TensorOps.LayerNorm(_x.Pointer, m, s, mlp.Norm, norm);
        Round(norm, m * s, mlp.Up.IsHalf);
        _matMul.Multiply(norm, s, m, mlp.Up, mlp.UpBias.Pointer, hidden, 4 * s);
        TensorOps.Gelu(hidden, m * 4 * s);
        Round(hidden, m * 4 * s, mlp.Down.IsHalf);
        _matMul.Multiply(hidden, 4 * s, m, mlp.Down, mlp.DownBias.Pointer, _projection.Pointer, s);
        TensorOps.Add(_x.Pointer, _projection.Pointer, m * s);
    }

    /// <summary>Attention of each (token, head) over the window's f16 keys and values, as parallel tasks.</summary>
    private sealed class CrossAttention(Decoder decoder, int workers) : IParallelWork, IDisposable
    {
        private readonly AlignedBuffer<float>[] _scores = [.. Enumerable.Range(0, workers).Select(_ => new AlignedBuffer<float>(decoder._keyStride))];
        private int _layer;

        public void Run(int layer, int rows)
        {
            _layer = layer;
            // Scores and weighted values each touch every key once per head dimension.
            var work = 2L * rows * decoder._keyStride * decoder._state;
            decoder._pool.Run(this, rows * decoder._heads, parallel: work >= 1 << 18);
        }

        public void Execute(int index, int worker)
        {
            var heads = decoder._heads;
            var row = index / heads;
            var head = index % heads;
            var d = decoder._headSize;
            var s = decoder._state;
            var n = decoder._audioContext;
            var stride = decoder._keyStride;
            var query = decoder._query.Pointer + (row * s) + (head * d);
            var keys = decoder._workspace.CrossKeys(_layer) + ((long)head * d * stride);
            var values = decoder._workspace.CrossValues(_layer) + (head * d);
            var output = decoder._attention.Pointer + (row * s) + (head * d);
            var scores = _scores[worker].Pointer;

            // The zero keys past the window pad the softmax as they do in whisper.cpp (see Encoder.KeyPadding).
            Scores(query, keys, d, stride, scores);
            TensorOps.Softmax(scores, stride, decoder._headScale);
            Weighted(scores, values, n, d, s, output);
        }

        public void Dispose()
        {
            foreach (var buffer in _scores)
            {
                buffer.Dispose();
            }
        }

        /// <summary>scores[j] = Σ_i q[i]·K[i][j], 128 keys at a time in registers.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Scores(float* query, ushort* keys, int d, int stride, float* scores)
        {
            if (!Vector512.IsHardwareAccelerated && Vector256.IsHardwareAccelerated)
            {
                // 64 keys at a time in eight 256-bit sums (the stride is a multiple of 256).
                for (var j0 = 0; j0 < stride; j0 += 64)
                {
                    Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                    var k = keys + j0;
                    for (var i = 0; i < d; i++)
                    {
                        var q = Vector256.Create(query[i]);
                        var r0 = Vector256.Load(k);
                        var r1 = Vector256.Load(k + 16);
                        var r2 = Vector256.Load(k + 32);
                        var r3 = Vector256.Load(k + 48);
                        a0 = Vector256.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector256.WidenLower(r0)), a0);
                        a1 = Vector256.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector256.WidenUpper(r0)), a1);
                        a2 = Vector256.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector256.WidenLower(r1)), a2);
                        a3 = Vector256.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector256.WidenUpper(r1)), a3);
                        a4 = Vector256.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector256.WidenLower(r2)), a4);
                        a5 = Vector256.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector256.WidenUpper(r2)), a5);
                        a6 = Vector256.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector256.WidenLower(r3)), a6);
                        a7 = Vector256.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector256.WidenUpper(r3)), a7);
                        k += stride;
                    }

                    var o = scores + j0;
                    a0.Store(o);
                    a1.Store(o + 8);
                    a2.Store(o + 16);
                    a3.Store(o + 24);
                    a4.Store(o + 32);
                    a5.Store(o + 40);
                    a6.Store(o + 48);
                    a7.Store(o + 56);
                }

                return;
            }

            if (!Vector512.IsHardwareAccelerated)
            {
                for (var j = 0; j < stride; j++)
                {
                    var sum = 0f;
                    for (var i = 0; i < d; i++)
                    {
                        sum += query[i] * (float)BitConverter.UInt16BitsToHalf(keys[((long)i * stride) + j]);
                    }

                    scores[j] = sum;
                }

                return;
            }

            for (var j0 = 0; j0 < stride; j0 += KeyBlock)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                var k = keys + j0;
                for (var i = 0; i < d; i++)
                {
                    var q = Vector512.Create(query[i]);
                    var r0 = Vector512.Load(k);
                    var r1 = Vector512.Load(k + 32);
                    var r2 = Vector512.Load(k + 64);
                    var r3 = Vector512.Load(k + 96);
                    a0 = Vector512.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector512.WidenLower(r0)), a0);
                    a1 = Vector512.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector512.WidenUpper(r0)), a1);
                    a2 = Vector512.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector512.WidenLower(r1)), a2);
                    a3 = Vector512.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector512.WidenUpper(r1)), a3);
                    a4 = Vector512.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector512.WidenLower(r2)), a4);
                    a5 = Vector512.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector512.WidenUpper(r2)), a5);
                    a6 = Vector512.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector512.WidenLower(r3)), a6);
                    a7 = Vector512.FusedMultiplyAdd(q, HalfConversion.FiniteToSingle(Vector512.WidenUpper(r3)), a7);
                    k += stride;
                }

                var o = scores + j0;
                a0.Store(o);
                a1.Store(o + 16);
                a2.Store(o + 32);
                a3.Store(o + 48);
                a4.Store(o + 64);
                a5.Store(o + 80);
                a6.Store(o + 96);
                a7.Store(o + 112);
            }
        }

        /// <summary>output[i] = Σ_j p[j]·V[j][i] over the head's slice of each f16 value row.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Weighted(float* probabilities, ushort* values, int n, int d, int rowStride, float* output)
        {
            var i0 = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; i0 + 32 <= d; i0 += 32)
                {
                    // Four keys per iteration into separate sums, so that the FMAs do not wait on each other.
                    Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default, e0 = default, e1 = default;
                    var v = values + i0;
                    var j = 0;
                    for (; j + 4 <= n; j += 4)
                    {
                        var raw0 = Vector512.Load(v);
                        var raw1 = Vector512.Load(v + rowStride);
                        var raw2 = Vector512.Load(v + (2 * rowStride));
                        var raw3 = Vector512.Load(v + (3 * rowStride));
                        var p0 = Vector512.Create(probabilities[j]);
                        var p1 = Vector512.Create(probabilities[j + 1]);
                        var p2 = Vector512.Create(probabilities[j + 2]);
                        var p3 = Vector512.Create(probabilities[j + 3]);
                        a0 = Vector512.FusedMultiplyAdd(p0, HalfConversion.FiniteToSingle(Vector512.WidenLower(raw0)), a0);
                        a1 = Vector512.FusedMultiplyAdd(p0, HalfConversion.FiniteToSingle(Vector512.WidenUpper(raw0)), a1);
                        b0 = Vector512.FusedMultiplyAdd(p1, HalfConversion.FiniteToSingle(Vector512.WidenLower(raw1)), b0);
                        b1 = Vector512.FusedMultiplyAdd(p1, HalfConversion.FiniteToSingle(Vector512.WidenUpper(raw1)), b1);
                        c0 = Vector512.FusedMultiplyAdd(p2, HalfConversion.FiniteToSingle(Vector512.WidenLower(raw2)), c0);
                        c1 = Vector512.FusedMultiplyAdd(p2, HalfConversion.FiniteToSingle(Vector512.WidenUpper(raw2)), c1);
                        e0 = Vector512.FusedMultiplyAdd(p3, HalfConversion.FiniteToSingle(Vector512.WidenLower(raw3)), e0);
                        e1 = Vector512.FusedMultiplyAdd(p3, HalfConversion.FiniteToSingle(Vector512.WidenUpper(raw3)), e1);
                        v += 4 * rowStride;
                    }

                    for (; j < n; j++)
                    {
                        var p = Vector512.Create(probabilities[j]);
                        var raw = Vector512.Load(v);
                        a0 = Vector512.FusedMultiplyAdd(p, HalfConversion.FiniteToSingle(Vector512.WidenLower(raw)), a0);
                        a1 = Vector512.FusedMultiplyAdd(p, HalfConversion.FiniteToSingle(Vector512.WidenUpper(raw)), a1);
                        v += rowStride;
                    }

                    (a0 + b0 + (c0 + e0)).Store(output + i0);
                    (a1 + b1 + (c1 + e1)).Store(output + i0 + 16);
                }
            }

            if (!Vector512.IsHardwareAccelerated && Vector256.IsHardwareAccelerated)
            {
                for (; i0 + 16 <= d; i0 += 16)
                {
                    Vector256<float> a0 = default, a1 = default, b0 = default, b1 = default;
                    var v = values + i0;
                    var j = 0;
                    for (; j + 2 <= n; j += 2)
                    {
                        var raw0 = Vector256.Load(v);
                        var raw1 = Vector256.Load(v + rowStride);
                        var p0 = Vector256.Create(probabilities[j]);
                        var p1 = Vector256.Create(probabilities[j + 1]);
                        a0 = Vector256.FusedMultiplyAdd(p0, HalfConversion.FiniteToSingle(Vector256.WidenLower(raw0)), a0);
                        a1 = Vector256.FusedMultiplyAdd(p0, HalfConversion.FiniteToSingle(Vector256.WidenUpper(raw0)), a1);
                        b0 = Vector256.FusedMultiplyAdd(p1, HalfConversion.FiniteToSingle(Vector256.WidenLower(raw1)), b0);
                        b1 = Vector256.FusedMultiplyAdd(p1, HalfConversion.FiniteToSingle(Vector256.WidenUpper(raw1)), b1);
                        v += 2 * rowStride;
                    }

                    for (; j < n; j++)
                    {
                        var p = Vector256.Create(probabilities[j]);
                        var raw = Vector256.Load(v);
                        a0 = Vector256.FusedMultiplyAdd(p, HalfConversion.FiniteToSingle(Vector256.WidenLower(raw)), a0);
                        a1 = Vector256.FusedMultiplyAdd(p, HalfConversion.FiniteToSingle(Vector256.WidenUpper(raw)), a1);
                        v += rowStride;
                    }

                    (a0 + b0).Store(output + i0);
                    (a1 + b1).Store(output + i0 + 8);
                }
            }

            for (; i0 < d; i0++)
            {
                var sum = 0f;
                for (var j = 0; j < n; j++)
                {
                    sum += probabilities[j] * (float)BitConverter.UInt16BitsToHalf(values[((long)j * rowStride) + i0]);
                }

                output[i0] = sum;
            }
        }
    }
}
