namespace Kisei.Web.Speech;

/// <summary>How to run the managed Whisper engine. The app binds these from its Speech settings.</summary>
public sealed record WhisperOptions
{
    /// <summary>Path of a ggml model file (ggml-tiny.bin, ggml-base-q5_1.bin, ...).</summary>
    public required string ModelPath { get; init; }

    /// <summary>The Whisper language code of the transcript; ignored by English-only (.en) models.</summary>
    public string Language { get; init; } = "ja";

    /// <summary>Worker threads for one transcription; 0 means one per processor.</summary>
    public int Threads { get; init; }
}
