using Kisei.Web.Speech;
using Kisei.Web.Speech.Models;

namespace Kisei.Web.Tests.Speech.Models;

public sealed class ModelStoreTests : IDisposable
{
    private readonly string contentRoot = Directory.CreateTempSubdirectory("kisei-store-").FullName;

    public void Dispose() => Directory.Delete(contentRoot, recursive: true);

    private string ModelDirectory => Path.Combine(contentRoot, "data", "models");

    private string Touch(string relativePath)
    {
        var path = Path.Combine(contentRoot, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "model");
        return path;
    }

    [Fact]
    public void The_model_directory_is_taken_from_the_content_root()
    {
        var store = new ModelStore(new SpeechOptions(), contentRoot);

        Assert.Equal(ModelDirectory, store.ModelDirectory);
        Assert.Equal(Path.Combine(ModelDirectory, "ggml-tiny-q5_1.bin"), store.PathFor(ModelCatalog.Find("tiny-q5_1")));
    }

    [Fact]
    public void A_configured_model_is_found_in_the_model_directory()
    {
        var path = Touch("data/models/ggml-base.bin");
        Touch("data/models/ggml-small.bin");

        var availability = new ModelStore(new SpeechOptions { Model = "base" }, contentRoot).Check();

        Assert.Equal(new ModelAvailability(path, true, $"Using model base at {path}."), availability);
    }

    [Fact]
    public void A_missing_configured_model_is_reported_with_how_to_get_it()
    {
        var availability = new ModelStore(new SpeechOptions { Model = "small-q8_0" }, contentRoot).Check();

        Assert.False(availability.IsPresent);
        Assert.Equal(Path.Combine(ModelDirectory, "ggml-small-q8_0.bin"), availability.Path);
        Assert.Contains("syllable estimator", availability.Summary, StringComparison.Ordinal);
        Assert.Contains("kisei model pull small-q8_0", availability.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_path_wins_over_model()
    {
        Touch("data/models/ggml-base.bin");
        var path = Touch("elsewhere/my-model.bin");

        var store = new ModelStore(new SpeechOptions { Model = "base", ModelPath = "elsewhere/my-model.bin" }, contentRoot);

        Assert.Equal(path, store.FindModelFile());
    }

    [Fact]
    public void A_missing_model_path_is_not_replaced_by_another_file()
    {
        Touch("data/models/ggml-base.bin");

        var availability = new ModelStore(new SpeechOptions { Model = "base", ModelPath = "gone.bin" }, contentRoot).Check();

        Assert.False(availability.IsPresent);
        Assert.Equal(Path.Combine(contentRoot, "gone.bin"), availability.Path);
        Assert.Contains("Speech:ModelPath", availability.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void With_no_model_configured_the_only_model_in_the_directory_is_used()
    {
        var path = Touch("data/models/ggml-tiny-q8_0.bin");
        Touch("data/models/notes.txt");

        Assert.Equal(path, new ModelStore(new SpeechOptions(), contentRoot).FindModelFile());
    }

    [Fact]
    public void With_no_model_configured_and_several_in_the_directory_none_is_guessed()
    {
        Touch("data/models/ggml-base.bin");
        Touch("data/models/ggml-small.bin");

        var availability = new ModelStore(new SpeechOptions(), contentRoot).Check();

        Assert.False(availability.IsPresent);
        Assert.Null(availability.Path);
        Assert.Contains("ggml-base.bin, ggml-small.bin", availability.Summary, StringComparison.Ordinal);
        Assert.Contains("set Speech:Model", availability.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_partial_download_is_never_taken_for_a_model()
    {
        Touch("data/models/ggml-base.bin.part");

        var configured = new ModelStore(new SpeechOptions { Model = "base" }, contentRoot);
        var unconfigured = new ModelStore(new SpeechOptions(), contentRoot);

        Assert.Null(configured.FindModelFile());
        Assert.Null(unconfigured.FindModelFile());
    }

    [Fact]
    public void With_nothing_configured_or_present_the_summary_says_the_syllable_estimator_is_used()
    {
        var availability = new ModelStore(new SpeechOptions(), contentRoot).Check();

        Assert.Equal((null, false), (availability.Path, availability.IsPresent));
        Assert.Contains("syllable estimator", availability.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Before_any_download_the_status_is_none()
    {
        var status = new ModelStore(new SpeechOptions(), contentRoot).DownloadStatus;

        Assert.Equal(ModelDownloadState.None, status.State);
        Assert.Null(status.Fraction);
    }
}
