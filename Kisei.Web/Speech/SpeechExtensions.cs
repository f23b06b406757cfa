using Kisei.Web.Speech.Models;

namespace Kisei.Web.Speech;

/// <summary>Picks the recognizer: the managed Whisper engine when a model is present, else the syllable estimator.</summary>
public static class SpeechExtensions
{
    public static WebApplicationBuilder AddSpeech(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddSpeechModels();
        builder.Services.AddSingleton<SyllableRecognizer>();
        builder.Services.AddSingleton<RecognizerChoice>();
        builder.Services.AddSingleton<ISpeechRecognizer>(provider => provider.GetRequiredService<RecognizerChoice>());
        return builder;
    }
}
