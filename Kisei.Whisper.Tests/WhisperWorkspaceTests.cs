using Kisei.Whisper;

namespace Kisei.Whisper.Tests;

/// <summary>The shared memory's layout: what the encoder and the decoder take turns to use must never collide.</summary>
public sealed unsafe class WhisperWorkspaceTests
{
    public static TheoryData<int, int, int> Shapes() => new()
    {
        // state, text layers, threads
        { 384, 4, 1 },
        { 512, 6, 2 },
        { 32, 1, 3 },
        { 64, 2, 8 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void An_f16_window_is_handed_over_where_the_last_layers_values_go_clear_of_the_encoders_scratch(int state, int textLayers, int threads)
    {
        var hp = new SyntheticWhisperModel { State = state, TextLayers = textLayers }.Hyperparameters;
        var scratch = Encoder.ScratchBytes(hp, threads);
        using var workspace = new WhisperWorkspace(hp, scratch, halfPrecision: true);
        var windowBytes = (long)hp.AudioContext * state * sizeof(float);
        var start = (nuint)workspace.EncoderScratch;
        var end = start + (nuint)workspace.ByteCount;

        Assert.True((nuint)workspace.EncoderWindow >= start + (nuint)scratch, "the residual stream overlaps the encoder's scratch");
        Assert.True((nuint)workspace.EncoderWindow + (nuint)windowBytes <= end, "the residual stream runs past the workspace");
        Assert.Equal((nuint)workspace.CrossValues(textLayers - 1), (nuint)workspace.EncodedHalf);
        Assert.True((nuint)workspace.EncoderWindow + (nuint)windowBytes <= (nuint)workspace.CrossValues(textLayers - 1) + (nuint)workspace.LayerBytes, "the residual stream spills out of the last layer's slot");
        for (var layer = 0; layer < textLayers; layer++)
        {
            var values = (nuint)workspace.CrossValues(layer);
            var keys = (nuint)workspace.CrossKeys(layer);
            Assert.Equal(values + ((nuint)hp.AudioContext * (nuint)state * sizeof(ushort)), keys);
            Assert.True(keys + ((nuint)state * (nuint)workspace.KeyStride * sizeof(ushort)) <= (layer + 1 < textLayers ? (nuint)workspace.CrossValues(layer + 1) : end));
            Assert.True(values >= start);
        }
    }

    [Fact]
    public void An_f32_window_lies_outside_the_shared_memory()
    {
        var hp = new SyntheticWhisperModel { FileType = 0, State = 64, TextLayers = 2 }.Hyperparameters;
        using var workspace = new WhisperWorkspace(hp, Encoder.ScratchBytes(hp, 2), halfPrecision: false);
        var start = (nuint)workspace.EncoderScratch;
        var window = (nuint)workspace.EncoderWindow;
        var shared = workspace.ByteCount - ((long)hp.AudioContext * hp.AudioState * sizeof(float));

        Assert.True(window + ((nuint)hp.AudioContext * (nuint)hp.AudioState * sizeof(float)) <= start || window >= start + (nuint)shared);
        Assert.Throws<InvalidOperationException>(() => (nuint)workspace.EncodedHalf);
    }

    [Theory]
    [InlineData(1500, 256)]
    [InlineData(3000, 256)]
    [InlineData(260, 256)]
    [InlineData(263, 256)]
    [InlineData(512, 256)]
    [InlineData(100, 128)]
    public void Row_blocks_cover_the_window_and_none_is_too_short_for_the_many_row_kernels(int rows, int blockRows)
    {
        var blocks = Encoder.RowBlocks(rows, blockRows).ToList();

        Assert.Equal(0, blocks[0].Row0);
        for (var i = 1; i < blocks.Count; i++)
        {
            Assert.Equal(blocks[i - 1].Row0 + blocks[i - 1].Rows, blocks[i].Row0);
        }

        Assert.Equal(rows, blocks[^1].Row0 + blocks[^1].Rows);
        Assert.All(blocks, block => Assert.InRange(block.Rows, 8, blockRows));
    }
}
