using System.Runtime.InteropServices;

namespace Kisei.Whisper;

/// <summary>A layer norm's scale and shift.</summary>
internal sealed class NormWeights(AlignedBuffer<float> scale, AlignedBuffer<float> shift) : IDisposable
{
    public AlignedBuffer<float> Scale { get; } = scale;

    public AlignedBuffer<float> Shift { get; } = shift;

    public void Dispose()
    {
        Scale.Dispose();
        Shift.Dispose();
    }
}

/// <summary>Multi-head attention's projections; the key projection has no bias.</summary>
internal sealed class AttentionWeights(
    NormWeights norm,
    PackedMatrix query,
    AlignedBuffer<float> queryBias,
    PackedMatrix key,
    PackedMatrix value,
    AlignedBuffer<float> valueBias,
    PackedMatrix output,
    AlignedBuffer<float> outputBias) : IDisposable
{
    public NormWeights Norm { get; } = norm;

    public PackedMatrix Query { get; } = query;

    public AlignedBuffer<float> QueryBias { get; } = queryBias;

    public PackedMatrix Key { get; } = key;

    public PackedMatrix Value { get; } = value;

    public AlignedBuffer<float> ValueBias { get; } = valueBias;

    public PackedMatrix Output { get; } = output;

    public AlignedBuffer<float> OutputBias { get; } = outputBias;

    public void Dispose()
    {
        Norm.Dispose();
        Query.Dispose();
        QueryBias.Dispose();
        Key.Dispose();
        Value.Dispose();
        ValueBias.Dispose();
        Output.Dispose();
        OutputBias.Dispose();
    }
}

/// <summary>The two-layer GELU MLP of width 4d.</summary>
internal sealed class MlpWeights(NormWeights norm, PackedMatrix up, AlignedBuffer<float> upBias, PackedMatrix down, AlignedBuffer<float> downBias) : IDisposable
{
    public NormWeights Norm { get; } = norm;

    public PackedMatrix Up { get; } = up;

    public AlignedBuffer<float> UpBias { get; } = upBias;

    public PackedMatrix Down { get; } = down;

    public AlignedBuffer<float> DownBias { get; } = downBias;

    public void Dispose()
    {
        Norm.Dispose();
        Up.Dispose();
        UpBias.Dispose();
        Down.Dispose();
        DownBias.Dispose();
    }
}

/// <summary>One transformer block; decoder blocks also have cross-attention.</summary>
internal sealed class BlockWeights(AttentionWeights attention, AttentionWeights? crossAttention, MlpWeights mlp) : IDisposable
{
    public AttentionWeights Attention { get; } = attention;

    public AttentionWeights? CrossAttention { get; } = crossAttention;

    public MlpWeights Mlp { get; } = mlp;

    public void Dispose()
    {
        Attention.Dispose();
        CrossAttention?.Dispose();
        Mlp.Dispose();
    }
}

/// <summary>
/// The model's weights repacked for the kernels (<see cref="PackedMatrix"/> panels, aligned vectors). Built once
/// from a <see cref="GgmlModel"/>, after which the file's bytes are no longer needed.
/// </summary>
internal sealed class WhisperWeights : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly IReadOnlyDictionary<string, IDisposable> _packed;

    /// <summary>Packs every tensor of a loaded model.</summary>
    public WhisperWeights(GgmlModel model)
        : this(model.Hyperparameters, model.Tensors.Values.ToDictionary(t => t.Name, Pack))
    {
    }

    /// <summary>Takes ownership of tensors already packed by <see cref="Pack(GgmlTensor)"/>, by name.</summary>
    public WhisperWeights(WhisperHyperparameters hyperparameters, IReadOnlyDictionary<string, IDisposable> packed)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        ArgumentNullException.ThrowIfNull(packed);
        Hyperparameters = hyperparameters;
        _packed = packed;
        _owned.AddRange(packed.Values);
        var hp = Hyperparameters;

        // f32 files compute in f32 throughout; every other file is computed as whisper.cpp computes it, with
        // activations rounded to f16 where the reference stores or multiplies them in f16.
        HalfPrecisionActivations = hp.FileType != 0;

        Conv1 = Matrix("encoder.conv1.weight");
        Conv1Bias = Vector("encoder.conv1.bias");
        Conv2 = Matrix("encoder.conv2.weight");
        Conv2Bias = Vector("encoder.conv2.bias");
        EncoderPosition = Vector("encoder.positional_embedding");
        EncoderBlocks = [.. Enumerable.Range(0, hp.AudioLayers).Select(i => Block($"encoder.blocks.{i}", cross: false))];
        EncoderNorm = Norm("encoder.ln_post");

        DecoderPosition = Vector("decoder.positional_embedding");
        TokenEmbedding = Matrix("decoder.token_embedding.weight");
        DecoderBlocks = [.. Enumerable.Range(0, hp.TextLayers).Select(i => Block($"decoder.blocks.{i}", cross: true))];
        DecoderNorm = Norm("decoder.ln");
    }

    public WhisperHyperparameters Hyperparameters { get; }

    /// <summary>Whether activations are rounded to f16 where whisper.cpp rounds them (every file but f32).</summary>
    public bool HalfPrecisionActivations { get; }

    public PackedMatrix Conv1 { get; }

    public AlignedBuffer<float> Conv1Bias { get; }

    public PackedMatrix Conv2 { get; }

    public AlignedBuffer<float> Conv2Bias { get; }

    /// <summary>n_audio_ctx rows of n_state.</summary>
    public AlignedBuffer<float> EncoderPosition { get; }

    public IReadOnlyList<BlockWeights> EncoderBlocks { get; }

    public NormWeights EncoderNorm { get; }

    /// <summary>n_text_ctx rows of n_state.</summary>
    public AlignedBuffer<float> DecoderPosition { get; }

    /// <summary>n_vocab × n_state: the input embedding and, transposed, the output projection.</summary>
    public PackedMatrix TokenEmbedding { get; }

    public IReadOnlyList<BlockWeights> DecoderBlocks { get; }

    public NormWeights DecoderNorm { get; }

    /// <summary>Bytes held by the packed weights.</summary>
    public long ByteCount => _owned.Sum(o => o switch
    {
        PackedMatrix m => m.ByteCount,
        AlignedBuffer<float> b => b.ByteCount,
        _ => 0,
    });

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _owned.Clear();
    }

    /// <summary>
    /// Repacks one tensor for the kernels: weight matrices and convolution kernels into <see cref="PackedMatrix"/>
    /// panels, everything else (biases, norms, position embeddings, all f32) into an aligned vector.
    /// </summary>
    public static IDisposable Pack(GgmlTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (IsMatrix(tensor))
        {
            return PackedMatrix.FromTensor(tensor);
        }

        var values = MemoryMarshal.Cast<byte, float>(tensor.Data.Span);
        var buffer = new AlignedBuffer<float>(values.Length);
        values.CopyTo(buffer.Span);
        return buffer;
    }

    /// <summary>
    /// Repacks one tensor as <see cref="Pack(GgmlTensor)"/> does, reading its bytes straight from the file through
    /// <paramref name="buffer"/>, so that loading holds no copy of a whole tensor.
    /// </summary>
    /// <exception cref="EndOfStreamException">The file ends within the tensor.</exception>
    public static IDisposable Pack(GgmlTensor tensor, GgmlTensorData data, byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(data);
        if (IsMatrix(tensor))
        {
            return PackedMatrix.Read(tensor, data, buffer);
        }

        // Vectors are f32 (the loader checks every tensor's type), so their bytes go straight into place.
        var vector = new AlignedBuffer<float>(data.Remaining / sizeof(float));
        try
        {
            data.Read(MemoryMarshal.AsBytes(vector.Span));
            return vector;
        }
        catch
        {
            vector.Dispose();
            throw;
        }
    }

    private static bool IsMatrix(GgmlTensor tensor) =>
        tensor.Name.EndsWith(".weight", StringComparison.Ordinal) && tensor.Dimensions.Count >= 2 && tensor.Dimensions[1] > 1;

    private BlockWeights Block(string prefix, bool cross) => new(
        Attention($"{prefix}.attn"),
        cross ? Attention($"{prefix}.cross_attn") : null,
        new MlpWeights(
            Norm($"{prefix}.mlp_ln"),
            Matrix($"{prefix}.mlp.0.weight"),
            Vector($"{prefix}.mlp.0.bias"),
            Matrix($"{prefix}.mlp.2.weight"),
            Vector($"{prefix}.mlp.2.bias")));

    private AttentionWeights Attention(string prefix) => new(
        Norm($"{prefix}_ln"),
        Matrix($"{prefix}.query.weight"),
        Vector($"{prefix}.query.bias"),
        Matrix($"{prefix}.key.weight"),
        Matrix($"{prefix}.value.weight"),
        Vector($"{prefix}.value.bias"),
        Matrix($"{prefix}.out.weight"),
        Vector($"{prefix}.out.bias"));

    private NormWeights Norm(string prefix) => new(Vector($"{prefix}.weight"), Vector($"{prefix}.bias"));

    private PackedMatrix Matrix(string name) => _packed.TryGetValue(name, out var packed) && packed is PackedMatrix matrix
        ? matrix
        : throw new WhisperModelException(WhisperModelError.MissingTensor, $"The model has no weight matrix '{name}'.");

    private AlignedBuffer<float> Vector(string name) => _packed.TryGetValue(name, out var packed) && packed is AlignedBuffer<float> vector
        ? vector
        : throw new WhisperModelException(WhisperModelError.MissingTensor, $"The model has no vector '{name}'.");
}
