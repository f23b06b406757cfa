using System.Buffers.Binary;
using Kisei.Whisper;

namespace Kisei.Whisper.Tests;

public sealed class GgmlModelTests
{
    private static readonly SyntheticWhisperModel Small = new() { State = 32, TextContext = 16 };

    private static WhisperModelError LoadError(byte[] bytes)
    {
        var error = Assert.Throws<WhisperModelException>(() => GgmlModel.Load(new MemoryStream(bytes)));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        return error.Error;
    }

    [Fact]
    public void The_reference_model_loads_with_its_hyperparameters_filters_and_vocabulary()
    {
        var model = GgmlModel.Load(WhisperReference.ModelPath);

        Assert.Equal(new WhisperHyperparameters(51865, 1500, 64, 2, 2, 448, 64, 2, 2, 80, 1), model.Hyperparameters);
        Assert.Equal(80 * 201, model.MelFilters.Length);
        Assert.Equal(50257, model.Vocabulary.TextTokenCount);
        Assert.Equal("t256 "u8.ToArray(), model.Vocabulary.TokenBytes(256).ToArray());
        Assert.Equal(GgmlType.F16, model.Tensor("decoder.token_embedding.weight").Type);
        Assert.Equal([64, 51865], model.Tensor("decoder.token_embedding.weight").Dimensions);
        Assert.Equal(GgmlType.F32, model.Tensor("encoder.positional_embedding").Type);
    }

    [Theory]
    [InlineData(0, GgmlType.F32)]
    [InlineData(1, GgmlType.F16)]
    [InlineData(2, GgmlType.Q4_0)]
    [InlineData(3, GgmlType.Q4_1)]
    [InlineData(7, GgmlType.Q8_0)]
    [InlineData(8, GgmlType.Q5_0)]
    [InlineData(9, GgmlType.Q5_1)]
    [InlineData(2009, GgmlType.Q5_1)]
    public void Every_supported_weight_type_loads_and_types_the_matrices_by_ftype(int fileType, GgmlType matrixType)
    {
        var model = GgmlModel.Load(new MemoryStream((Small with { FileType = fileType }).ToBytes()));

        Assert.Equal(fileType % 1000, model.Hyperparameters.FileType);
        Assert.Equal(matrixType, model.Tensor("encoder.blocks.0.mlp.0.weight").Type);
        Assert.Equal(matrixType, model.Tensor("decoder.token_embedding.weight").Type);
        Assert.Equal(fileType == 0 ? GgmlType.F32 : GgmlType.F16, model.Tensor("encoder.conv1.weight").Type);
        Assert.Equal(GgmlType.F32, model.Tensor("decoder.blocks.0.mlp_ln.bias").Type);
    }

    [Fact]
    public void A_wrong_magic_is_refused()
    {
        Assert.Equal(WhisperModelError.BadMagic, LoadError((Small with { Magic = 0x46464952 }).ToBytes()));
        Assert.Equal(WhisperModelError.BadMagic, LoadError([]));
        Assert.Equal(WhisperModelError.BadMagic, LoadError("RIFF....WAVEfmt "u8.ToArray()));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(-1)]
    public void An_unknown_ftype_is_refused(int fileType)
    {
        Assert.Equal(WhisperModelError.UnsupportedFileType, LoadError((Small with { FileType = fileType }).ToBytes()));
    }

    [Fact]
    public void A_missing_tensor_is_refused_and_named()
    {
        var error = Assert.Throws<WhisperModelException>(() => GgmlModel.Load(new MemoryStream((Small with { OmitTensor = "decoder.ln.bias" }).ToBytes())));

        Assert.Equal(WhisperModelError.MissingTensor, error.Error);
        Assert.Contains("decoder.ln.bias", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_whose_shape_disagrees_with_the_hyperparameters_is_refused()
    {
        Assert.Equal(WhisperModelError.MisshapedTensor, LoadError((Small with { Reshape = ("encoder.conv1.bias", [1, 31]) }).ToBytes()));
        Assert.Equal(WhisperModelError.MisshapedTensor, LoadError((Small with { Reshape = ("decoder.token_embedding.weight", [32, 51864]) }).ToBytes()));
        Assert.Equal(WhisperModelError.MisshapedTensor, LoadError((Small with { Reshape = ("encoder.blocks.0.mlp.0.weight", [32, 64, 2]) }).ToBytes()));
    }

    [Fact]
    public void A_tensor_of_another_or_unknown_type_is_refused()
    {
        Assert.Equal(WhisperModelError.WrongTensorType, LoadError((Small with { Retype = ("encoder.blocks.0.attn.query.weight", 0) }).ToBytes()));
        Assert.Equal(WhisperModelError.UnsupportedTensorType, LoadError((Small with { Retype = ("encoder.blocks.0.attn.query.weight", 15) }).ToBytes()));
    }

    [Fact]
    public void Hyperparameters_that_cannot_be_whisper_are_refused()
    {
        Assert.Equal(WhisperModelError.BadHyperparameters, LoadError((Small with { TextHeads = 3 }).ToBytes()));
        Assert.Equal(WhisperModelError.BadHyperparameters, LoadError((Small with { VocabularySize = 50000 }).ToBytes()));
        Assert.Equal(WhisperModelError.BadHyperparameters, LoadError((Small with { State = 48, FileType = 7 }).ToBytes()));
    }

    [Fact]
    public void A_file_cut_short_anywhere_is_reported_as_truncated()
    {
        var bytes = Small.ToBytes();
        var tensors = TensorOffset(bytes);
        int[] cuts = [6, 4 + 44 + 4, 4 + 44 + 8 + 1000, tensors - 3, tensors + 5, tensors + 40, (bytes.Length / 2) + 1, bytes.Length - 1];
        foreach (var cut in cuts)
        {
            Assert.Equal(WhisperModelError.Truncated, LoadError(bytes[..cut]));
        }
    }

    [Fact]
    public void A_missing_file_is_reported_as_unreadable()
    {
        var error = Assert.Throws<WhisperModelException>(() => GgmlModel.Load(Path.Combine(Path.GetTempPath(), $"no-such-model-{Guid.NewGuid():N}.bin")));

        Assert.Equal(WhisperModelError.Unreadable, error.Error);
    }

    [Fact]
    public void Random_bytes_after_a_valid_magic_never_crash_the_loader()
    {
        var random = new Random(11);
        for (var i = 0; i < 50; i++)
        {
            var bytes = new byte[random.Next(4, 4096)];
            random.NextBytes(bytes);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, GgmlModel.Magic);
            Assert.Throws<WhisperModelException>(() => GgmlModel.Load(new MemoryStream(bytes)));
        }
    }

    private static int TensorOffset(byte[] bytes)
    {
        var offset = 4 + 44;
        var bands = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
        var bins = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 4));
        offset += 8 + (4 * bands * bins);
        var tokens = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
        offset += 4;
        for (var i = 0; i < tokens; i++)
        {
            offset += 4 + BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
        }

        return offset;
    }
}
