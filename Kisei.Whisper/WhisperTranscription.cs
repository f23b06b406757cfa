using System.Text.Json.Serialization;

namespace Kisei.Whisper;

/// <summary>
/// The result of <see cref="WhisperTranscriber.Transcribe"/>. Serialized with web defaults (camelCase), it is
/// exactly the JSON of <c>kisei transcribe --json</c>.
/// </summary>
/// <param name="Tokens">
/// The decoded token ids of every window that did not fail (<see cref="WhisperWindow.Outcome"/>), without the prompt
/// and without end-of-text. A failed window is a hallucination loop, not speech, so it contributes nothing here;
/// whisper.cpp without temperature fallback still prints it (see <see cref="Windows"/>).
/// </param>
/// <param name="Text">The tokens' bytes concatenated and decoded as UTF-8 (invalid sequences replaced).</param>
/// <param name="NoSpeechProbability">
/// The softmax of the unfiltered logits at the start-of-transcript position, read at the no-speech token (as OpenAI's
/// Whisper computes it); with several windows, the smallest (the audio is speechless only if every window is).
/// </param>
/// <param name="AverageLogProbability">
/// The mean log-probability of the sampled tokens under the filtered distribution, end-of-text included when it was
/// sampled (whisper.cpp's avg_logprobs), over all windows. whisper.cpp reports −∞ for a window that reached the step
/// limit; Kisei reports the mean of what it sampled.
/// </param>
/// <param name="MelMilliseconds">Time spent on the spectrogram.</param>
/// <param name="EncodeMilliseconds">Time spent in the encoder, including the cross-attention keys and values.</param>
/// <param name="DecodeMilliseconds">Time spent decoding and sampling, the prompt included.</param>
/// <param name="DecodedTokens">Tokens sampled by the decoder, end-of-text included when it was sampled.</param>
/// <param name="Windows">Each 30 s window: where it starts, every token it decoded, and how it ended.</param>
public sealed record WhisperTranscription(
    IReadOnlyList<int> Tokens,
    string Text,
    double NoSpeechProbability,
    double AverageLogProbability,
    double MelMilliseconds,
    double EncodeMilliseconds,
    double DecodeMilliseconds,
    int DecodedTokens,
    IReadOnlyList<WhisperWindow> Windows);

/// <summary>One 30 s window of a transcription.</summary>
/// <param name="StartSeconds">Where the window starts in the audio.</param>
/// <param name="Outcome">Whether decoding completed, or failed by one of whisper.cpp's rules.</param>
/// <param name="Tokens">
/// Every text token decoded in the window, failed or not: what whisper.cpp prints for it with temperature fallback
/// off (unless its own no-speech check drops the window).
/// </param>
public sealed record WhisperWindow(
    double StartSeconds,
    [property: JsonConverter(typeof(JsonStringEnumConverter<WindowOutcome>))] WindowOutcome Outcome,
    IReadOnlyList<int> Tokens);
