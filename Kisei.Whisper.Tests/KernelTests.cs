using Kisei.Whisper;

namespace Kisei.Whisper.Tests;

/// <summary>The hand-written vector kernels against plain scalar arithmetic.</summary>
public sealed unsafe class KernelTests
{
    [Fact]
    public void Half_conversions_agree_with_the_runtime_for_every_half_and_for_random_singles()
    {
        var bits = new ushort[1 << 16];
        for (var i = 0; i < bits.Length; i++)
        {
            bits[i] = (ushort)i;
        }

        var singles = new float[bits.Length];
        fixed (ushort* b = bits)
        fixed (float* s = singles)
        {
            HalfConversion.ToSingle(b, s, bits.Length);
        }

        for (var i = 0; i < bits.Length; i++)
        {
            AssertSame((float)BitConverter.UInt16BitsToHalf((ushort)i), singles[i]);
        }

        var random = new Random(2);
        var values = new float[100_000];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BitConverter.Int32BitsToSingle(random.Next());
            values[i] = i % 3 == 0 ? -values[i] : values[i];
        }

        values[0] = 65519.99f;
        values[1] = 65520f;
        values[2] = 5.9604645e-8f * 0.5f;
        values[3] = float.NaN;
        values[4] = float.NegativeInfinity;
        var rounded = (float[])values.Clone();
        var halves = new ushort[values.Length];
        fixed (float* v = values)
        fixed (float* r = rounded)
        fixed (ushort* h = halves)
        {
            HalfConversion.ToHalf(v, h, values.Length);
            HalfConversion.RoundToHalf(r, rounded.Length);
        }

        for (var i = 0; i < values.Length; i++)
        {
            var expected = (Half)values[i];
            Assert.Equal(BitConverter.HalfToUInt16Bits(expected), halves[i]);
            AssertSame((float)expected, rounded[i]);
        }
    }

    private static void AssertSame(float expected, float actual)
    {
        if (!(float.IsNaN(expected) && float.IsNaN(actual)))
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(actual));
        }
    }

    [Theory]
    [InlineData(1, 64, 32, false)]
    [InlineData(3, 40, 70, true)]
    [InlineData(4, 96, 33, true)]
    [InlineData(13, 48, 64, false)]
    [InlineData(300, 32, 100, true)]
    [InlineData(300, 72, 96, false)]
    public void Matrix_products_match_a_plain_triple_loop(int m, int k, int n, bool half)
    {
        var random = new Random(m + k + n);
        var weights = new float[n * k];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(Half)(float)(random.NextDouble() - 0.5);
        }

        var tensor = new GgmlTensor("w", half ? GgmlType.F16 : GgmlType.F32, [k, n], SyntheticWhisperModel.Encode(half ? GgmlType.F16 : GgmlType.F32, weights, k));
        using var packed = PackedMatrix.FromTensor(tensor);
        using var pool = new WorkerPool(2);
        using var matMul = new MatMul(pool, k);
        using var a = new AlignedBuffer<float>(m * k);
        using var bias = new AlignedBuffer<float>(n);
        using var c = new AlignedBuffer<float>(m * n);
        for (var i = 0; i < m * k; i++)
        {
            a.Pointer[i] = (float)(random.NextDouble() - 0.5);
        }

        for (var j = 0; j < n; j++)
        {
            bias.Pointer[j] = j;
        }

        matMul.Multiply(a.Pointer, k, m, packed, bias.Pointer, c.Pointer, n);

        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var expected = (double)j;
                for (var p = 0; p < k; p++)
                {
                    expected += a.Pointer[(i * k) + p] * (double)weights[(j * k) + p];
                }

                Assert.True(Math.Abs(expected - c.Pointer[(i * n) + j]) < 1e-4, $"c[{i},{j}] = {c.Pointer[(i * n) + j]}, expected {expected}");
            }
        }
    }

    [Fact]
    public void Gelu_uses_the_tanh_approximation_through_an_f16_table()
    {
        float[] inputs = [-12f, -10f, -3f, -0.5f, 0f, 0.001f, 0.75f, 2.5f, 9.99f, 10f, 42f];
        var outputs = (float[])inputs.Clone();
        fixed (float* o = outputs)
        {
            TensorOps.Gelu(o, outputs.Length);
        }

        for (var i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            var h = (float)(Half)x;
            var tanh = 0.5f * h * (1f + MathF.Tanh(0.7978846f * h * (1f + (0.044715f * h * h))));
            var expected = x <= -10f ? 0f : x >= 10f ? x : (float)(Half)tanh;
            Assert.Equal(expected, outputs[i], 1e-6f);
        }
    }

    [Fact]
    public void Vector_exp_is_within_a_few_ulp_of_the_runtime()
    {
        for (var x = -87f; x <= 0f; x += 0.01f)
        {
            var expected = MathF.Exp(x);
            var actual = TensorOps.Exp(System.Runtime.Intrinsics.Vector512.Create(x))[0];
            Assert.True(Math.Abs(actual - expected) <= 4e-7f * expected, $"exp({x}) = {actual}, expected {expected}");
        }

        Assert.Equal(0f, TensorOps.Exp(System.Runtime.Intrinsics.Vector512.Create(-100f))[0]);
    }

    [Fact]
    public void Softmax_matches_a_plain_softmax_and_sums_to_one()
    {
        var random = new Random(4);
        foreach (var count in new[] { 1, 5, 16, 37, 1536 })
        {
            var values = Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 20) - 10)).ToArray();
            var expected = values.Select(v => Math.Exp(0.5 * (v - values.Max()))).ToArray();
            var total = expected.Sum();
            fixed (float* p = values)
            {
                TensorOps.Softmax(p, count, 0.5f);
            }

            for (var i = 0; i < count; i++)
            {
                Assert.Equal(expected[i] / total, values[i], 1e-6);
            }
        }
    }

    [Theory]
    [InlineData(64)]
    [InlineData(37)]
    [InlineData(8)]
    [InlineData(3)]
    public void Dot_products_and_multiply_adds_over_halves_match_the_single_kernels_on_the_widened_values(int count)
    {
        var random = new Random(count);
        var a = new float[count];
        var halves = new ushort[count];
        var widened = new float[count];
        for (var i = 0; i < count; i++)
        {
            a[i] = (float)(random.NextDouble() - 0.5);
            halves[i] = BitConverter.HalfToUInt16Bits((Half)(random.NextDouble() * 8 - 4));
            widened[i] = (float)BitConverter.UInt16BitsToHalf(halves[i]);
        }

        var expected = (float[])a.Clone();
        var actual = (float[])a.Clone();
        fixed (float* x = a)
        fixed (ushort* h = halves)
        fixed (float* w = widened)
        fixed (float* e = expected)
        fixed (float* r = actual)
        {
            AssertSame(TensorOps.Dot(x, w, count), TensorOps.Dot(x, h, count));
            TensorOps.MultiplyAdd(w, 0.3f, e, count);
            TensorOps.MultiplyAdd(h, 0.3f, r, count);
        }

        for (var i = 0; i < count; i++)
        {
            AssertSame(expected[i], actual[i]);
        }
    }

    [Theory]
    [InlineData(GgmlType.F32, 1)]
    [InlineData(GgmlType.F16, 1)]
    [InlineData(GgmlType.F16, 300)]
    [InlineData(GgmlType.Q5_1, 100)]
    [InlineData(GgmlType.Q8_0, 7)]
    public void A_matrix_read_a_few_rows_at_a_time_packs_as_one_read_whole(GgmlType type, int bufferBytes)
    {
        const int k = 64;
        const int n = 45;
        var random = new Random(bufferBytes);
        var weights = new float[n * k];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(random.NextDouble() - 0.5);
        }

        var bytes = SyntheticWhisperModel.Encode(type, weights, k);
        using var whole = PackedMatrix.FromTensor(new GgmlTensor("w", type, [k, n], bytes));
        using var read = PackedMatrix.Read(new GgmlTensor("w", type, [k, n], ReadOnlyMemory<byte>.Empty), new GgmlTensorData(new MemoryStream(bytes), bytes.Length), new byte[bufferBytes]);

        var expected = new float[k];
        var actual = new float[k];
        for (var row = 0; row < n; row++)
        {
            whole.ReadRow(row, expected);
            read.ReadRow(row, actual);
            Assert.Equal(expected, actual);
        }

        Assert.Equal(whole.ByteCount, read.ByteCount);
    }

    [Fact]
    public void Arg_max_finds_the_first_largest_value_and_sums_of_exponentials_agree_with_doubles()
    {
        var values = new float[1000];
        values[17] = 3f;
        values[900] = 3f;
        values[5] = float.NaN;
        fixed (float* p = values)
        {
            Assert.Equal((17, 3f), TensorOps.ArgMax(p, values.Length));
            values[5] = 0f;
            var expected = values.Sum(v => Math.Exp(v - 3.0));
            Assert.Equal(expected, TensorOps.SumOfExponentials(p, values.Length, 3f), 1e-4);
        }
    }

    [Fact]
    public void Decoding_more_tokens_allocates_nothing_more()
    {
        var bytes = new SyntheticWhisperModel { State = 64, TextContext = 96, Seed = 21 }.ToBytes();
        var model = GgmlModel.Load(new MemoryStream(bytes));
        using var weights = new WhisperWeights(model);
        using var pool = new WorkerPool(2);
        using var matMul = new MatMul(pool, 4 * 64 * 3);
        using var workspace = new WhisperWorkspace(model.Hyperparameters, Encoder.ScratchBytes(model.Hyperparameters, pool.ThreadCount), weights.HalfPrecisionActivations);
        var encoder = new Encoder(weights, pool, matMul, workspace);
        using var decoder = new Decoder(weights, pool, matMul, workspace);
        var mel = new LogMel(model.MelFilters, 80).Compute(new float[16000]);
        encoder.Encode(mel, LogMel.FrameCount(16000), 0);
        decoder.BeginWindow();
        int[] prompt = [50258, 50266, 50359, 50363];
        var cancel = TestContext.Current.CancellationToken;

        long Allocated(int steps, out int sampled)
        {
            var tokens = new List<int>(64);
            var greedy = new GreedyDecoder(decoder, model.Vocabulary, steps);
            var before = GC.GetAllocatedBytesForCurrentThread();
            sampled = greedy.Decode(prompt, tokens, cancel).SampledTokens;
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Allocated(2, out _);
        var few = Allocated(4, out var fewSampled);
        var many = Allocated(40, out var manySampled);

        Assert.True(manySampled > fewSampled, $"the model stopped after {manySampled} tokens");
        Assert.True(many - few < 256, $"{manySampled - fewSampled} more tokens allocated {many - few} more bytes");
    }
}
