using Kisei.Web.Data.Postgres;
using Kisei.Web.Scaling;
using Kisei.Web.Scaling.Kubernetes;
using Kisei.Web.Speech;
using Kisei.Web.Speech.Models;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Pages;

/// <summary>
/// /status: what this replica runs on — the recognizer and its model (with a model download's
/// progress, polled while it runs), the database and the cluster. Public, and free of secrets.
/// </summary>
public sealed class StatusModel(
    RecognizerChoice recognizer,
    ModelStore models,
    IClusterScaler cluster,
    IOptions<ClusterOptions> clusterOptions,
    IServiceProvider services) : PageModel
{
    public SpeechStatus Speech { get; private set; } = null!;

    public bool PrivateDatabase { get; private set; }

    public bool SimulatedCluster => cluster.IsSimulated;

    public string Deployment => clusterOptions.Value.Deployment;

    public void OnGet()
    {
        Speech = LoadSpeech();
        PrivateDatabase = services.GetService<PrivatePostgres>() is not null;
    }

    /// <summary>The speech section alone, which polls itself while a model downloads.</summary>
    public IActionResult OnGetSpeech() => Partial("_SpeechStatus", LoadSpeech());

    private SpeechStatus LoadSpeech()
    {
        var modelPath = recognizer.ModelPath;
        return new SpeechStatus(
            modelPath is null ? SyllableRecognizer.RecognizerName : recognizer.Engine,
            modelPath is null ? null : Path.GetFileName(modelPath),
            models.DownloadStatus,
            recognizer.WhisperNetProblem);
    }
}

/// <summary>
/// The recognizer in use ("whisper", "whisper.net" or "syllables"), its model file's name, the latest model download,
/// and why Whisper.net is not used when it was asked for.
/// </summary>
public sealed record SpeechStatus(string Recognizer, string? ModelFile, ModelDownloadStatus Download, string? WhisperNetProblem = null)
{
    public bool IsDownloading => Download.State == ModelDownloadState.Downloading;
}
