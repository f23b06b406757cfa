namespace Kisei.Web.Speech.Models;

/// <summary>
/// Knows where the Whisper model lives on this machine and how its download is going (docs/design.md §4).
/// </summary>
/// <remarks>
/// The model file is chosen in this order:
/// <list type="number">
/// <item><c>Speech:ModelPath</c>, when set, is the file, whatever its name.</item>
/// <item><c>Speech:Model</c>, when set, is <c>ModelDirectory/ggml-&lt;Model&gt;.bin</c>.</item>
/// <item>With neither set, the only <c>ggml-*.bin</c> in <c>ModelDirectory</c>, so that a model put there
/// by <c>kisei model pull</c> or baked into the container is used without more configuration. When there
/// are several, none is picked: guessing would silently change the recognizer, so the summary asks for
/// <c>Speech:Model</c> instead.</item>
/// </list>
/// Relative paths are taken from the content root. A missing model is not an error: Kisei then uses the
/// syllable estimator and <see cref="Check"/> says so.
/// </remarks>
public sealed class ModelStore
{
    private readonly SpeechOptions options;
    private ModelDownloadStatus? downloadStatus;

    public ModelStore(SpeechOptions options, string contentRootPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(contentRootPath);
        this.options = options;
        ContentRootPath = Path.GetFullPath(contentRootPath);
        ModelDirectory = Path.GetFullPath(options.ModelDirectory, ContentRootPath);
    }

    /// <summary>The folder relative settings are taken from.</summary>
    public string ContentRootPath { get; }

    /// <summary>The full path of the folder that holds downloaded models.</summary>
    public string ModelDirectory { get; }

    /// <summary>Serializes downloads within this process, so two pulls never write one partial file.</summary>
    internal SemaphoreSlim DownloadGate { get; } = new(1, 1);

    /// <summary>Where a catalogue model is stored once downloaded.</summary>
    public string PathFor(ModelInfo model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Path.Combine(ModelDirectory, model.FileName);
    }

    /// <summary>Whether the catalogue model is downloaded whole: its file is there, with the catalogue's size when it gives one.</summary>
    public bool IsInPlace(ModelInfo model)
    {
        var path = PathFor(model);
        return File.Exists(path) && (model.SizeBytes is null || new FileInfo(path).Length == model.SizeBytes);
    }

    /// <summary>Which model file Kisei would load now, and whether it is there.</summary>
    public ModelAvailability Check()
    {
        if (!string.IsNullOrWhiteSpace(options.ModelPath))
        {
            var path = Path.GetFullPath(options.ModelPath, ContentRootPath);
            return File.Exists(path)
                ? new ModelAvailability(path, true, $"Using {path} (Speech:ModelPath).")
                : new ModelAvailability(path, false, $"Speech:ModelPath names {path}, which does not exist; using the syllable estimator.");
        }

        if (!string.IsNullOrWhiteSpace(options.Model))
        {
            var model = ModelCatalog.Find(options.Model);
            var path = PathFor(model);
            return File.Exists(path)
                ? new ModelAvailability(path, true, $"Using model {model.Name} at {path}.")
                : new ModelAvailability(path, false,
                    $"Model {model.Name} is not at {path}; using the syllable estimator. Run 'kisei model pull {model.Name}' or set Speech:DownloadOnStart=true.");
        }

        var found = Directory.Exists(ModelDirectory)
            ? Directory.EnumerateFiles(ModelDirectory, "ggml-*.bin")
                // On some platforms "*.bin" also matches "*.bin.part"; only whole files count.
                .Where(file => file.EndsWith(".bin", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];
        return found.Count switch
        {
            0 => new ModelAvailability(null, false,
                $"No Whisper model in {ModelDirectory}; using the syllable estimator. Set Speech:Model and run 'kisei model pull NAME'."),
            1 => new ModelAvailability(found[0], true, $"Using {found[0]}, the only model in {ModelDirectory}."),
            _ => new ModelAvailability(null, false,
                $"Several models in {ModelDirectory} ({string.Join(", ", found.Select(Path.GetFileName))}); set Speech:Model to pick one. Using the syllable estimator."),
        };
    }

    /// <summary>The model file to load, or null when there is none.</summary>
    public string? FindModelFile()
    {
        var availability = Check();
        return availability.IsPresent ? availability.Path : null;
    }

    /// <summary>How the latest download in this process is going, for the status page.</summary>
    public ModelDownloadStatus DownloadStatus => Volatile.Read(ref downloadStatus) ?? ModelDownloadStatus.None;

    internal void Report(ModelDownloadStatus status) => Volatile.Write(ref downloadStatus, status);
}

/// <summary>Which model file Kisei would load, and whether it exists.</summary>
/// <param name="Path">The full path of the file, or null when no file is configured or found.</param>
/// <param name="IsPresent">The file exists and can be loaded.</param>
/// <param name="Summary">One sentence for the log and the status page.</param>
public sealed record ModelAvailability(string? Path, bool IsPresent, string Summary);

/// <summary>Where a model download stands.</summary>
public enum ModelDownloadState
{
    /// <summary>No download has run in this process.</summary>
    None,

    /// <summary>Bytes are arriving.</summary>
    Downloading,

    /// <summary>The file arrived, passed its checksum and is in place.</summary>
    Ready,

    /// <summary>The download stopped; <see cref="ModelDownloadStatus.Error"/> says why.</summary>
    Failed,
}

/// <summary>A snapshot of a model download, for the status page.</summary>
/// <param name="State">Where the download stands.</param>
/// <param name="Model">The model being downloaded, or null before any download.</param>
/// <param name="BytesReceived">Bytes on disk so far, a resumed partial file included.</param>
/// <param name="TotalBytes">The file's size, when known.</param>
/// <param name="BytesPerSecond">The recent download rate.</param>
/// <param name="Error">Why the download failed.</param>
public sealed record ModelDownloadStatus(
    ModelDownloadState State,
    string? Model = null,
    long BytesReceived = 0,
    long? TotalBytes = null,
    double BytesPerSecond = 0,
    string? Error = null)
{
    /// <summary>No download has run.</summary>
    public static ModelDownloadStatus None { get; } = new(ModelDownloadState.None);

    /// <summary>The fraction received, 0 to 1, when the total is known.</summary>
    public double? Fraction => TotalBytes is > 0 ? Math.Min(1.0, (double)BytesReceived / TotalBytes.Value) : null;
}
