namespace Kisei.Whisper;

/// <summary>The 11 int32 hyperparameters at the start of a ggml Whisper file, in file order.</summary>
/// <param name="VocabularySize">n_vocab: 51864 for .en models, 51865 multilingual, 51866 for large-v3.</param>
/// <param name="AudioContext">n_audio_ctx: encoder positions per 30 s window (1500).</param>
/// <param name="AudioState">n_audio_state: the encoder width.</param>
/// <param name="AudioHeads">n_audio_head.</param>
/// <param name="AudioLayers">n_audio_layer.</param>
/// <param name="TextContext">n_text_ctx: decoder positions (448).</param>
/// <param name="TextState">n_text_state: the decoder width; equal to the encoder's.</param>
/// <param name="TextHeads">n_text_head.</param>
/// <param name="TextLayers">n_text_layer.</param>
/// <param name="MelBands">n_mels: 80, or 128 for large-v3.</param>
/// <param name="FileType">ftype with the quantization version removed: 0 f32, 1 f16, 2 q4_0, 3 q4_1, 7 q8_0, 8 q5_0, 9 q5_1.</param>
public sealed record WhisperHyperparameters(
    int VocabularySize,
    int AudioContext,
    int AudioState,
    int AudioHeads,
    int AudioLayers,
    int TextContext,
    int TextState,
    int TextHeads,
    int TextLayers,
    int MelBands,
    int FileType)
{
    /// <summary>Whisper's window: 30 s of 16 kHz audio is 3000 mel frames, halved by the second convolution.</summary>
    public const int StandardAudioContext = 1500;

    /// <summary>The type of the 2-D weight matrices that <see cref="FileType"/> implies, or null for an unknown ftype.</summary>
    public GgmlType? MatrixType => FileType switch
    {
        0 => GgmlType.F32,
        1 => GgmlType.F16,
        2 => GgmlType.Q4_0,
        3 => GgmlType.Q4_1,
        7 => GgmlType.Q8_0,
        8 => GgmlType.Q5_0,
        9 => GgmlType.Q5_1,
        _ => null,
    };

    /// <summary>The convolution kernels stay f16 in quantized files (whisper.cpp's quantizer skips 3-D tensors).</summary>
    public GgmlType ConvolutionType => FileType == 0 ? GgmlType.F32 : GgmlType.F16;

    /// <summary>The largest number of tokens the decoder samples in one window (whisper.cpp: n_text_ctx/2 − 4).</summary>
    public int MaxDecodedTokensPerWindow => (TextContext / 2) - 4;
}
