using System.Text.RegularExpressions;
using Kisei.Web.Speech.Models;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Speech;

/// <summary>Speech recognition settings, bound from the <c>Speech</c> section (docs/design.md §4).</summary>
public sealed class SpeechOptions
{
    public const string SectionName = "Speech";

    public const string ManagedEngine = "managed";

    public const string WhisperNetEngine = "whisper.net";

    /// <summary>The Whisper engine: <c>managed</c> (Kisei's own, the default) or <c>whisper.net</c> (whisper.cpp inside).</summary>
    public string Engine { get; set; } = ManagedEngine;

    /// <summary>A folder holding Whisper.net's native linux-x64 library; empty means the one published with the app.</summary>
    public string? WhisperNetRuntimeDirectory { get; set; }

    /// <summary>The catalogue model to use (<c>tiny</c>, <c>base-q8_0</c>, ...); null means none is configured.</summary>
    public string? Model { get; set; }

    /// <summary>The folder that holds <c>ggml-&lt;model&gt;.bin</c> files, relative to the content root.</summary>
    public string ModelDirectory { get; set; } = "data/models";

    /// <summary>A model file used as it is, relative to the content root; it wins over <see cref="Model"/>.</summary>
    public string? ModelPath { get; set; }

    /// <summary>Download the configured <see cref="Model"/> in the background at start when it is missing.</summary>
    public bool DownloadOnStart { get; set; }

    /// <summary>Where model files are downloaded from; the file name <c>ggml-&lt;model&gt;.bin</c> is appended.</summary>
    public string DownloadBaseUrl { get; set; } = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/";

    /// <summary>The language token Whisper is prompted with (ISO 639-1, or a three-letter code Whisper knows).</summary>
    public string Language { get; set; } = "ja";

    /// <summary>The threads the Whisper engine may use.</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;
}

/// <summary>Refuses bad speech settings at start, each with a message that says what to change.</summary>
public sealed partial class SpeechOptionsValidator : IValidateOptions<SpeechOptions>
{
    public ValidateOptionsResult Validate(string? name, SpeechOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = SpeechOptions.SectionName;

        if (!string.IsNullOrWhiteSpace(options.Model) && !ModelCatalog.TryFind(options.Model, out _))
            failures.Add($"{section}:Model '{options.Model}' is not a known Whisper model. Known models: {ModelCatalog.KnownNames}.");

        if (string.IsNullOrWhiteSpace(options.ModelDirectory))
            failures.Add($"{section}:ModelDirectory must name a folder.");

        if (!Uri.TryCreate(options.DownloadBaseUrl, UriKind.Absolute, out var baseUri)
            || (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{section}:DownloadBaseUrl '{options.DownloadBaseUrl}' must be an absolute http or https URL.");
        }

        if (options.Language is null || !LanguageCode().IsMatch(options.Language))
            failures.Add($"{section}:Language '{options.Language}' must be a two- or three-letter lower-case language code such as 'ja'.");

        if (options.Engine is not (SpeechOptions.ManagedEngine or SpeechOptions.WhisperNetEngine))
            failures.Add($"{section}:Engine '{options.Engine}' must be '{SpeechOptions.ManagedEngine}' or '{SpeechOptions.WhisperNetEngine}'.");

        if (options.Threads < 1)
            failures.Add($"{section}:Threads must be at least 1 (it is {options.Threads}).");

        if (options.DownloadOnStart && string.IsNullOrWhiteSpace(options.Model) && string.IsNullOrWhiteSpace(options.ModelPath))
            failures.Add($"{section}:DownloadOnStart needs {section}:Model to say which model to download. Known models: {ModelCatalog.KnownNames}.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z]{2,3}$")]
    private static partial Regex LanguageCode();
}
