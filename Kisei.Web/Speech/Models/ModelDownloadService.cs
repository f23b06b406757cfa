using Microsoft.Extensions.Options;

namespace Kisei.Web.Speech.Models;

/// <summary>
/// With <c>Speech:DownloadOnStart=true</c>, downloads the configured model in the background when it is
/// missing. Progress and failures show in <see cref="ModelStore.DownloadStatus"/>; a failure is logged and
/// never stops the app, which keeps scoring with the syllable estimator.
/// </summary>
public sealed class ModelDownloadService(
    IServiceScopeFactory scopes,
    ModelStore store,
    IOptions<SpeechOptions> options,
    ILogger<ModelDownloadService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting before any file or network work.
        await Task.Yield();

        var settings = options.Value;
        if (!settings.DownloadOnStart)
            return;
        if (!string.IsNullOrWhiteSpace(settings.ModelPath))
        {
            logger.LogInformation("Speech:DownloadOnStart is set but Speech:ModelPath names the model file; nothing to download");
            return;
        }
        if (string.IsNullOrWhiteSpace(settings.Model))
            return;

        try
        {
            var model = ModelCatalog.Find(settings.Model);
            if (!store.Check().IsPresent)
                logger.LogInformation("Downloading model {Model} in the background; speech uses the syllable estimator until it is ready", model.Name);

            await using var scope = scopes.CreateAsyncScope();
            var downloader = scope.ServiceProvider.GetRequiredService<ModelDownloader>();
            await downloader.PullAsync(model, progress: null, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("Model download stopped with the app; the partial file resumes next time");
        }
#pragma warning disable CA1031 // A failed download must never take the app down; the status page shows it.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            logger.LogError(exception, "Downloading model {Model} failed; speech keeps using the syllable estimator", settings.Model);
            if (store.DownloadStatus.State != ModelDownloadState.Failed)
            {
                store.Report(new ModelDownloadStatus(ModelDownloadState.Failed, settings.Model, Error: exception.Message));
            }
        }
    }
}
