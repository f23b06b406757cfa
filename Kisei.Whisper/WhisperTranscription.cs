using System.Text.Json.Serialization;

namespace Kisei.Whisper;

/// <summary>
/// The result of <see cref="WhisperTranscriber.Transcribe"/>. Serialized with web defaults (camelCase), it is
/// exactly the JSON of <c>kisei transcribe --json</c>.
/// </summary>
/// <param name="Tokens">The decoded token ids of every window, without the prompt and without end-of-text.</param>
/// <param name="Text">The tokens' bytes concatenated and decoded as UTF-8 (invalid sequences replaced).</param>
/// <param name="NoSpeechProbability">
/// The softmax of the unfiltered logits at the start-of-transcript position, read at the no-speech token (as OpenAI's
/// Whisper computes it); with several windows, the smallest (the audio is speechless only if every window is).
/// whisper.cpp 233fe1fc9 reads that row before computing it, so its own figure is not comparable.
/// </param>
/// <param name="AverageLogProbability">
/// The mean log-probability of the sampled tokens under the filtered distribution, end-of-text included when it was
/// sampled (whisper.cpp's avg_logprobs), over all windows. whisper.cpp gives up on a window that reaches the step
/// limit without end-of-text and reports −∞ for it; Kisei reports the mean of what it sampled.
/// </param>
/// <param name="MelMilliseconds">Time spent on the spectrogram.</param>
/// <param name="EncodeMilliseconds">Time spent in the encoder, including the cross-attention keys and values.</param>
/// <param name="DecodeMilliseconds">Time spent decoding and sampling, the prompt included.</param>
/// <param name="DecodedTokens">Tokens sampled by the decoder, end-of-text included when it was sampled.</param>
/// <param name="Windows">30 s windows decoded.</param>
public sealed record WhisperTranscription(
    IReadOnlyList<int> Tokens,
    string Text,
    double NoSpeechProbability,
    double AverageLogProbability,
    double MelMilliseconds,
    double EncodeMilliseconds,
    double DecodeMilliseconds,
    int DecodedTokens,
    [property: JsonIgnore] int Windows);
