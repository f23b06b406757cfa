using Kisei.Web.Speech;
using Kisei.Web.Speech.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Speech;

/// <summary>Whisper while a model file is there, the syllable estimator otherwise, asked again on every scream.</summary>
public sealed class RecognizerChoiceTests : IDisposable
{
    private readonly string contentRoot = Directory.CreateTempSubdirectory("kisei-choice-").FullName;

    public void Dispose() => Directory.Delete(contentRoot, recursive: true);

    [Fact]
    public void The_choice_follows_the_model_file_as_it_comes_and_goes()
    {
        var modelPath = Path.Combine(contentRoot, "data", "models", "ggml-base.bin");
        using var choice = Choice();

        Assert.Equal(SyllableRecognizer.RecognizerName, choice.Name);

        Directory.CreateDirectory(Path.GetDirectoryName(modelPath)!);
        File.WriteAllText(modelPath, "model");
        Assert.Equal("whisper", choice.Name);
        Assert.Equal(modelPath, choice.ModelPath);

        File.Delete(modelPath);
        Assert.Equal(SyllableRecognizer.RecognizerName, choice.Name);
    }

    [Fact]
    public async Task Once_disposed_it_recognizes_nothing_rather_than_loading_a_model_again()
    {
        var modelPath = Path.Combine(contentRoot, "data", "models", "ggml-base.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(modelPath)!);
        File.WriteAllText(modelPath, "model");
        var choice = Choice();
        Assert.Equal("whisper", choice.Name);

        choice.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(
            async () => await choice.RecognizeAsync(new float[16_000], TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Whisper_net_is_chosen_when_asked_for_and_its_library_loads_and_the_managed_engine_otherwise()
    {
        var modelPath = Path.Combine(contentRoot, "data", "models", "ggml-base.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(modelPath)!);
        File.WriteAllText(modelPath, "model");
        var missing = Directory.CreateDirectory(Path.Combine(contentRoot, "no-runtime")).FullName;

        using var whisperNet = Choice(new SpeechOptions { Engine = "whisper.net" });
        using var broken = Choice(new SpeechOptions { Engine = "whisper.net", WhisperNetRuntimeDirectory = missing });

        Assert.Null(whisperNet.WhisperNetProblem);
        Assert.Equal("whisper.net", whisperNet.Name);
        Assert.Equal("whisper", broken.Name);
        Assert.Equal($"Whisper.net's native library is missing: {Path.Combine(missing, "libggml-base-whisper.so")} does not exist.", broken.WhisperNetProblem);
    }

    private RecognizerChoice Choice(SpeechOptions? options = null)
    {
        options ??= new SpeechOptions();
        return new RecognizerChoice(new ModelStore(options, contentRoot), Options.Create(options), new SyllableRecognizer(), NullLogger<RecognizerChoice>.Instance);
    }
}
