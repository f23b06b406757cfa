using System.Runtime.CompilerServices;

namespace Kisei.Whisper;

/// <summary>
/// Whisper's audio encoder for one 30 s window (docs/design.md §4): conv1 (kernel 3, pad 1) → GELU → conv2 (kernel 3,
/// stride 2, pad 1) → GELU, plus the position embedding; pre-LayerNorm blocks of self-attention and a 4d GELU MLP;
/// then ln_post. The convolutions run as matrix products over unfolded (im2col) input. Attention runs per head
/// and block of 64 queries: scores against all 1500 keys, softmax, then the weighted values, so a block's
/// scores stay in the worker's cache.
/// </summary>
/// <remarks>
/// Only the residual stream, the keys and values and the normalized window (which the queries and then the
/// attention output replace) are whole-window buffers; everything else (unfolded input, projections, the MLP's 4d
/// hidden layer) is computed <see cref="RowBlock"/> rows at a time. All of it lies in a <see cref="WhisperWorkspace"/> shared with the decoder's cross-attention
/// cache: <see cref="Encode"/> overwrites the cache, and <see cref="Decoder.BeginWindow"/> refills it from the
/// encoded window. A matrix product gives every row the same result whatever the block it is in (see
/// <see cref="RowBlocks"/>), so the blocks change no number.
/// </remarks>
internal sealed unsafe class Encoder
{
    private const int QueryBlock = 64;

    /// <summary>Rows of the window computed at a time between the whole-window buffers.</summary>
    internal const int RowBlock = 256;

    /// <summary>
    /// whisper.cpp's flash attention reads the keys and values from a cache padded with zeros to a multiple of
    /// 256 positions and masks nothing, so the 36 zero keys after position 1500 each add exp(0 − max) to the
    /// softmax's denominator (their values are zero). The reference tokens depend on it, so Kisei does the same.
    /// </summary>
    internal const int KeyPadding = 256;

    /// <summary>The keys of a <paramref name="context"/>-long window, padded to <see cref="KeyPadding"/>.</summary>
    internal static int PaddedKeys(int context) => (context + KeyPadding - 1) / KeyPadding * KeyPadding;

    private readonly WhisperWeights _weights;
    private readonly WorkerPool _pool;
    private readonly MatMul _matMul;
    private readonly int _state;
    private readonly int _context;
    private readonly int _bands;
    private readonly WhisperWorkspace _workspace;
    private readonly float* _x;
    private readonly SelfAttention _selfAttention;

    // Convolution phase, within the workspace's scratch.
    private readonly float* _conv1;
    private readonly float* _unfolded;

    // Transformer phase, within the workspace's scratch.
    private readonly float* _norm;
    private readonly float* _block;

    /// <summary>Works in <paramref name="workspace"/>, whose scratch holds at least <see cref="ScratchBytes"/>; the caller owns it.</summary>
    public Encoder(WhisperWeights weights, WorkerPool pool, MatMul matMul, WhisperWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        _weights = weights;
        _pool = pool;
        _matMul = matMul;
        var hp = weights.Hyperparameters;
        _state = hp.AudioState;
        _context = hp.AudioContext;
        _bands = hp.MelBands;
        var layout = Layout.Of(hp, pool.ThreadCount);
        if (workspace.EncoderScratchBytes < layout.Bytes || workspace.HalfPrecision != weights.HalfPrecisionActivations)
        {
            throw new ArgumentException($"The encoder needs a workspace with {layout.Bytes} bytes of scratch, in the model's precision.", nameof(workspace));
        }

        _workspace = workspace;
        var start = workspace.EncoderScratch;
        _x = workspace.EncoderWindow;
        _conv1 = (float*)start;
        _unfolded = (float*)(start + layout.Unfolded);
        _norm = (float*)(start + layout.Norm);
        _block = (float*)(start + layout.Block);
        _selfAttention = new SelfAttention(_context, _state, hp.AudioHeads, (float*)(start + layout.Keys), (float*)(start + layout.Values), (float*)(start + layout.Scores));
    }

    /// <summary>Bytes of workspace scratch the encoder needs, besides its residual stream, with <paramref name="threads"/> workers.</summary>
    public static long ScratchBytes(WhisperHyperparameters hyperparameters, int threads)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        return Layout.Of(hyperparameters, threads).Bytes;
    }

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
        foreach (var (row0, rows) in RowBlocks(frames))
        {
            for (var t = row0; t < row0 + rows; t++)
            {
                var row = _unfolded + ((long)(t - row0) * 3 * _bands);
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

            Round(_unfolded, (long)rows * 3 * _bands, half);
            _matMul.Multiply(_unfolded, 3 * _bands, rows, _weights.Conv1, _weights.Conv1Bias.Pointer, _conv1 + ((long)row0 * s), s);
        }

        TensorOps.Gelu(_conv1, (long)frames * s);

        // 2. conv2 with stride 2: row t holds conv1[2t + k − 1][c] at column 3c + k.
        var x = _x;
        foreach (var (row0, rows) in RowBlocks(_context))
        {
            for (var t = row0; t < row0 + rows; t++)
            {
                var row = _unfolded + ((long)(t - row0) * 3 * s);
                for (var k = 0; k < 3; k++)
                {
                    var source = (2 * t) + k - 1;
                    for (var c = 0; c < s; c++)
                    {
                        row[(3 * c) + k] = source >= 0 && source < frames ? _conv1[((long)source * s) + c] : 0f;
                    }
                }
            }

            Round(_unfolded, (long)rows * 3 * s, half);
            _matMul.Multiply(_unfolded, 3 * s, rows, _weights.Conv2, _weights.Conv2Bias.Pointer, x + ((long)row0 * s), s);
        }

        TensorOps.Gelu(x, (long)_context * s);
        TensorOps.Add(x, _weights.EncoderPosition.Pointer, (long)_context * s);

        // 3. The transformer blocks.
        foreach (var block in _weights.EncoderBlocks)
        {
            Attend(block.Attention, half);
            Mlp(block.Mlp, half);
        }

        // 4. ln_post, in place (each row is read before it is written). An f16 model hands the window over in
        //    f16, which is what whisper.cpp's cross-attention products read; see WhisperWorkspace for where.
        TensorOps.LayerNorm(x, _context, s, _weights.EncoderNorm, x);
        if (half)
        {
            HalfConversion.ToHalf(x, _workspace.EncodedHalf, _context * s);
        }
    }

    /// <summary>
    /// [0, <paramref name="rows"/>) cut into blocks of <paramref name="blockRows"/> rows and a last, shorter one; a
    /// last block that would be too short for <see cref="MatMul"/>'s many-row kernels (which sum in another order
    /// than its few-row ones) shares the rows with the block before. So each row's result is the one a
    /// whole-window product gives.
    /// </summary>
    internal static IEnumerable<(int Row0, int Rows)> RowBlocks(int rows, int blockRows = RowBlock)
    {
        const int MinimumRows = 8;
        var row0 = 0;
        while (row0 < rows)
        {
            var left = rows - row0;
            var count = left <= blockRows ? left : left < blockRows + MinimumRows ? left / 2 : blockRows;
            yield return (row0, count);
            row0 += count;
        }
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
        var x = _x;
        var norm = _norm;
        TensorOps.LayerNorm(x, n, s, attention.Norm, norm);
        Round(norm, (long)n * s, half && attention.Query.IsHalf);

        // 1. Keys and values of the whole window, packed for the attention kernels a block at a time.
        //    whisper.cpp's flash attention reads Q, K and V in f16.
        var projected = _block;
        foreach (var (row0, rows) in RowBlocks(n))
        {
            var input = norm + ((long)row0 * s);
            _matMul.Multiply(input, s, rows, attention.Key, null, projected, s);
            Round(projected, (long)rows * s, half);
            _selfAttention.PackKeys(projected, row0, rows);
            _matMul.Multiply(input, s, rows, attention.Value, attention.ValueBias.Pointer, projected, s);
            Round(projected, (long)rows * s, half);
            _selfAttention.PackValues(projected, row0, rows);
        }

        // 2. The queries, a block at a time, over the normalized rows they come from.
        foreach (var (row0, rows) in RowBlocks(n))
        {
            var input = norm + ((long)row0 * s);
            _matMul.Multiply(input, s, rows, attention.Query, attention.QueryBias.Pointer, projected, s);
            Round(projected, (long)rows * s, half);
            new Span<float>(projected, rows * s).CopyTo(new Span<float>(input, rows * s));
        }

        // 3. Attention over the whole window, head by head (so that a head's keys and values stay in cache), each
        //    output over its own queries.
        _selfAttention.Run(_pool, norm, n, norm);
        Round(norm, (long)n * s, half && attention.Output.IsHalf);

        // 4. The output projection and the residual, a block at a time.
        foreach (var (row0, rows) in RowBlocks(n))
        {
            _matMul.Multiply(norm + ((long)row0 * s), s, rows, attention.Output, attention.OutputBias.Pointer, projected, s);
            TensorOps.Add(x + ((long)row0 * s), projected, (long)rows * s);
        }
    }

    private void Mlp(MlpWeights mlp, bool half)
    {
        var s = _state;
        var hidden = _block;
        foreach (var (row0, rows) in RowBlocks(_context))
        {
            var x = _x + ((long)row0 * s);
            var norm = _norm + ((long)row0 * s);
            TensorOps.LayerNorm(x, rows, s, mlp.Norm, norm);
            Round(norm, (long)rows * s, half && mlp.Up.IsHalf);
            _matMul.Multiply(norm, s, rows, mlp.Up, mlp.UpBias.Pointer, hidden, 4 * s);
            TensorOps.Gelu(hidden, (long)rows * 4 * s);
            Round(hidden, (long)rows * 4 * s, half && mlp.Down.IsHalf);
            _matMul.Multiply(hidden, 4 * s, rows, mlp.Down, mlp.DownBias.Pointer, norm, s);
            TensorOps.Add(x, norm, (long)rows * s);
        }
    }

    /// <summary>Byte offsets of the encoder's buffers within its scratch, in two phases that overlap.</summary>
    private readonly record struct Layout(long Unfolded, long Keys, long Values, long Norm, long Block, long Scores, long Bytes)
    {
        public static Layout Of(WhisperHyperparameters hp, int threads)
        {
            var s = (long)hp.AudioState;
            var n = (long)hp.AudioContext;
            var d = s / hp.AudioHeads;

            // The convolutions: conv1's whole output, then one block of unfolded input.
            var unfolded = Align(2 * n * s * sizeof(float));
            var convolutions = unfolded + Align(RowBlock * 3 * Math.Max(s, hp.MelBands) * sizeof(float));

            // The blocks: packed keys and values, the normalized window (which becomes the queries, then the
            // attention output), one block of four rows' widths (a projection, or the MLP's hidden layer), then each
            // worker's attention scores.
            var keys = 0L;
            var values = keys + Align(SelfAttention.KeyFloats(hp.AudioHeads, (int)n, (int)d) * sizeof(float));
            var norm = values + Align(SelfAttention.ValueFloats(hp.AudioHeads, (int)n, (int)d) * sizeof(float));
            var block = norm + Align(n * s * sizeof(float));
            var scores = block + Align(RowBlock * 4 * s * sizeof(float));
            var blocks = scores + (threads * Align(SelfAttention.ScoreFloats((int)n) * sizeof(float)));
            return new Layout(unfolded, keys, values, norm, block, scores, Math.Max(convolutions, blocks));
        }

        private static long Align(long bytes) => (bytes + 63) & ~63L;
    }

    /// <summary>
    /// Non-causal multi-head attention of a block of queries over the whole window's keys and values, as parallel
    /// (head, 64 queries) tasks. The keys and values live in the workspace, packed as the kernels read them.
    /// </summary>
    private sealed class SelfAttention : IParallelWork
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
        private readonly float* _packedKeys;
        private readonly float* _packedValues;
        private readonly float* _scores;
        private readonly long _workerScoreFloats;
        private float* _query;
        private float* _output;
        private int _rows;

        /// <summary>Reads the packed keys and values from, and keeps each worker's scores (<see cref="ScoreFloats"/>, 64-byte aligned) at, the given places.</summary>
        public SelfAttention(int context, int state, int heads, float* packedKeys, float* packedValues, float* scores)
        {
            _context = context;
            _state = state;
            _heads = heads;
            _headSize = state / heads;
            _queryBlock = QueryBlock;
            _paddedKeys = PaddedKeys(context);
            _keyPanels = (_paddedKeys + Width - 1) / Width;
            _valuePanels = (_headSize + Width - 1) / Width;
            _scoreStride = _keyPanels * Width;
            _packedKeys = packedKeys;
            _packedValues = packedValues;
            _scores = scores;
            _workerScoreFloats = (ScoreFloats(context) + 15) & ~15L;
        }

        /// <summary>Floats of one worker's scores: a block of queries against every padded key.</summary>
        public static long ScoreFloats(int context) => (long)QueryBlock * PaddedKeys(context);

        /// <summary>Floats of the packed keys: per head, 32-key panels of d values, the keys padded to 256.</summary>
        public static long KeyFloats(int heads, int context, int headSize) =>
            (long)heads * PaddedKeys(context) * headSize;

        /// <summary>Floats of the packed values: per head, panels of 32 of its dimensions for every key.</summary>
        public static long ValueFloats(int heads, int context, int headSize) =>
            (long)heads * ((headSize + Width - 1) / Width) * Width * context;

        /// <summary>
        /// Attends <paramref name="rows"/> queries (n_state apart) into <paramref name="output"/> (n_state apart), which
        /// may be the queries themselves: a task reads its queries before it writes their output.
        /// </summary>
        public void Run(WorkerPool pool, float* query, int rows, float* output)
        {
            _query = query;
            _output = output;
            _rows = rows;
            var blocks = (rows + _queryBlock - 1) / _queryBlock;
            pool.Run(this, _heads * blocks);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int index, int worker)
        {
            var blocks = (_rows + _queryBlock - 1) / _queryBlock;
            var head = index / blocks;
            var row0 = index % blocks * _queryBlock;
            var rows = Math.Min(_queryBlock, _rows - row0);
            var d = _headSize;
            var scores = _scores + (worker * _workerScoreFloats);
            var query = _query + ((long)row0 * _state) + (head * d);

            // Scores against every key: the keys are the "weights", packed as 32-key panels of d values. Panels
            // wholly past the window would only fill the zeroed padding below.
            var keys = _packedKeys + ((long)head * _keyPanels * Width * d);
            for (var p = 0; p * Width < _context; p++)
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
            var values = _packedValues + ((long)head * _valuePanels * Width * _context);
            var output = _output + ((long)row0 * _state) + (head * d);
            for (var p = 0; p < _valuePanels; p++)
            {
                MatMul.SingleKernel(scores, _scoreStride, rows, values + ((long)p * Width * _context), _context, output + (p * Width), _state, null, Math.Min(Width, d - (p * Width)));
            }
        }

        /// <summary>Packs the keys of rows [<paramref name="row0"/>, +<paramref name="rows"/>) (n_state apart).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void PackKeys(float* key, int row0, int rows)
        {
            var d = _headSize;
            for (var h = 0; h < _heads; h++)
            {
                var keys = _packedKeys + ((long)h * _keyPanels * Width * d);
                for (var t = row0; t < row0 + rows; t++)
                {
                    var panel = keys + ((long)(t / Width) * Width * d);
                    var lane = t % Width;
                    var source = key + ((long)(t - row0) * _state) + (h * d);
                    for (var i = 0; i < d; i++)
                    {
                        panel[(i * Width) + lane] = source[i];
                    }
                }

                // The last panel's lanes past the window take part in its product (and are then dropped): keep
                // them zero rather than whatever the workspace held.
                if (row0 + rows == _context)
                {
                    for (var t = _context; t < _keyPanels * Width; t++)
                    {
                        var panel = keys + ((long)(t / Width) * Width * d);
                        for (var i = 0; i < d; i++)
                        {
                            panel[(i * Width) + (t % Width)] = 0f;
                        }
                    }
                }
            }
        }

        /// <summary>Packs the values of rows [<paramref name="row0"/>, +<paramref name="rows"/>) (n_state apart).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void PackValues(float* value, int row0, int rows)
        {
            var d = _headSize;
            for (var h = 0; h < _heads; h++)
            {
                var values = _packedValues + ((long)h * _valuePanels * Width * _context);
                for (var p = 0; p < _valuePanels; p++)
                {
                    var panel = values + ((long)p * Width * _context);
                    var width = Math.Min(Width, d - (p * Width));
                    for (var t = row0; t < row0 + rows; t++)
                    {
                        var source = value + ((long)(t - row0) * _state) + (h * d) + (p * Width);
                        var row = panel + ((long)t * Width);
                        for (var j = 0; j < width; j++)
                        {
                            row[j] = source[j];
                        }

                        // Lanes past a head's last dimension are computed and dropped; keep them zero too.
                        for (var j = width; j < Width; j++)
                        {
                            row[j] = 0f;
                        }
                    }
                }
            }
        }
    }
}
