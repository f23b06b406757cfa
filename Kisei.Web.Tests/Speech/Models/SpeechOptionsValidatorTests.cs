using Kisei.Web.Speech;
using Kisei.Web.Speech.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Speech.Models;

public sealed class SpeechOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(SpeechOptions options) => new SpeechOptionsValidator().Validate(null, options);

    [Fact]
    public void The_defaults_are_valid_and_configure_no_model()
    {
        var options = new SpeechOptions();

        Assert.True(Validate(options).Succeeded);
        Assert.Null(options.Model);
        Assert.Null(options.ModelPath);
        Assert.Equal("data/models", options.ModelDirectory);
        Assert.False(options.DownloadOnStart);
        Assert.Equal("https://huggingface.co/ggerganov/whisper.cpp/resolve/main/", options.DownloadBaseUrl);
        Assert.Equal("ja", options.Language);
        Assert.Equal(Environment.ProcessorCount, options.Threads);
    }

    [Theory]
    [InlineData("tiny")]
    [InlineData("base-q8_0")]
    [InlineData("small.en-q5_1")]
    public void A_catalogue_model_is_accepted(string model)
    {
        Assert.True(Validate(new SpeechOptions { Model = model }).Succeeded);
    }

    [Fact]
    public void A_bad_model_name_fails_with_the_known_names()
    {
        var result = Validate(new SpeechOptions { Model = "tinyy" });

        Assert.True(result.Failed);
        Assert.Contains("Speech:Model 'tinyy' is not a known Whisper model", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(ModelCatalog.KnownNames, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url", "DownloadBaseUrl")]
    [InlineData("ftp://example.test/models/", "DownloadBaseUrl")]
    public void A_base_url_that_is_not_http_fails(string url, string key)
    {
        var result = Validate(new SpeechOptions { DownloadBaseUrl = url });

        Assert.True(result.Failed);
        Assert.Contains($"Speech:{key}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("JA")]
    [InlineData("japanese")]
    public void A_language_that_is_not_a_short_code_fails(string language)
    {
        Assert.Contains("Speech:Language", Validate(new SpeechOptions { Language = language }).FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_threads_fail()
    {
        Assert.Contains("Speech:Threads", Validate(new SpeechOptions { Threads = 0 }).FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Downloading_on_start_without_a_model_fails()
    {
        var result = Validate(new SpeechOptions { DownloadOnStart = true });

        Assert.Contains("Speech:DownloadOnStart needs Speech:Model", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(Validate(new SpeechOptions { DownloadOnStart = true, Model = "tiny" }).Succeeded);
    }

    [Fact]
    public async Task The_app_refuses_to_start_with_a_bad_model_name()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Speech:Model"] = "bogus" });
        builder.AddSpeechModels();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("'bogus' is not a known Whisper model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_are_bound_from_the_speech_section()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Speech:Model"] = "base-q5_1",
            ["Speech:ModelDirectory"] = "models",
            ["Speech:DownloadOnStart"] = "true",
            ["Speech:Language"] = "en",
            ["Speech:Threads"] = "3",
        });
        builder.AddSpeechModels();
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<SpeechOptions>>().Value;

        Assert.Equal(("base-q5_1", "models", true, "en", 3), (options.Model, options.ModelDirectory, options.DownloadOnStart, options.Language, options.Threads));
    }
}
