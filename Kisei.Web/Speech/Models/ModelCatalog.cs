using System.Diagnostics.CodeAnalysis;

namespace Kisei.Web.Speech.Models;

/// <summary>A Whisper model file that can be downloaded and checked.</summary>
/// <param name="Name">The name users type: <c>base</c>, <c>tiny-q5_1</c>, ...</param>
/// <param name="FileName">The file name on the server and on disk.</param>
/// <param name="SizeBytes">The exact file size, when known; a download that grows past it stops.</param>
/// <param name="Sha256">The SHA-256 of the whole file, 64 lower-case hex digits.</param>
public sealed record ModelInfo(string Name, string FileName, long? SizeBytes, string Sha256)
{
    /// <summary>The file name whisper.cpp's repository uses for a model name.</summary>
    public static string FileNameFor(string name) => $"ggml-{name}.bin";
}

/// <summary>
/// The Whisper models Kisei knows how to fetch: tiny, base and small, multilingual and English-only,
/// each in f16 and in the q5_1 and q8_0 quantizations.
/// </summary>
/// <remarks>
/// Sizes and SHA-256 digests are the Git LFS object ids and sizes that Hugging Face publishes for
/// huggingface.co/ggerganov/whisper.cpp at revision 5359861c739e955e79d9a303bcbc70fb988958b1 (its
/// /api/models listing). They were read from public copies of that listing and agree across several
/// independent projects that pin these files. The f16 files also have SHA-1 digests in whisper.cpp's
/// models/README.md; Kisei checks SHA-256 for every file so one algorithm covers the whole catalogue.
/// </remarks>
public static class ModelCatalog
{
    private static readonly ModelInfo[] Entries =
    [
        Entry("tiny", 77_691_713, "be07e048e1e599ad46341c8d2a135645097a538221678b7acdd1b1919c6e1b21"),
        Entry("tiny-q5_1", 32_152_673, "818710568da3ca15689e31a743197b520007872ff9576237bda97bd1b469c3d7"),
        Entry("tiny-q8_0", 43_537_433, "c2085835d3f50733e2ff6e4b41ae8a2b8d8110461e18821b09a15c40c42d1cca"),
        Entry("tiny.en", 77_704_715, "921e4cf8686fdd993dcd081a5da5b6c365bfde1162e72b08d75ac75289920b1f"),
        Entry("tiny.en-q5_1", 32_166_155, "c77c5766f1cef09b6b7d47f21b546cbddd4157886b3b5d6d4f709e91e66c7c2b"),
        Entry("tiny.en-q8_0", 43_550_795, "5bc2b3860aa151a4c6e7bb095e1fcce7cf12c7b020ca08dcec0c6d018bb7dd94"),
        Entry("base", 147_951_465, "60ed5bc3dd14eea856493d334349b405782ddcaf0028d4b5df4088345fba2efe"),
        Entry("base-q5_1", 59_707_625, "422f1ae452ade6f30a004d7e5c6a43195e4433bc370bf23fac9cc591f01a8898"),
        Entry("base-q8_0", 81_768_585, "c577b9a86e7e048a0b7eada054f4dd79a56bbfa911fbdacf900ac5b567cbb7d9"),
        Entry("base.en", 147_964_211, "a03779c86df3323075f5e796cb2ce5029f00ec8869eee3fdfb897afe36c6d002"),
        Entry("base.en-q5_1", 59_721_011, "4baf70dd0d7c4247ba2b81fafd9c01005ac77c2f9ef064e00dcf195d0e2fdd2f"),
        Entry("base.en-q8_0", 81_781_811, "a4d4a0768075e13cfd7e19df3ae2dbc4a68d37d36a7dad45e8410c9a34f8c87e"),
        Entry("small", 487_601_967, "1be3a9b2063867b937e64e2ec7483364a79917e157fa98c5d94b5c1fffea987b"),
        Entry("small-q5_1", 190_085_487, "ae85e4a935d7a567bd102fe55afc16bb595bdb618e11b2fc7591bc08120411bb"),
        Entry("small-q8_0", 264_464_607, "49c8fb02b65e6049d5fa6c04f81f53b867b5ec9540406812c643f177317f779f"),
        Entry("small.en", 487_614_201, "c6138d6d58ecc8322097e0f987c32f1be8bb0a18532a3f88f734d1bbf9c41e5d"),
        Entry("small.en-q5_1", 190_098_681, "bfdff4894dcb76bbf647d56263ea2a96645423f1669176f4844a1bf8e478ad30"),
        Entry("small.en-q8_0", 264_477_561, "67a179f608ea6114bd3fdb9060e762b588a3fb3bd00c4387971be4d177958067"),
    ];

    /// <summary>Every known model, smallest family first.</summary>
    public static IReadOnlyList<ModelInfo> All => Entries;

    /// <summary>The known names, comma-separated, for error messages.</summary>
    public static string KnownNames { get; } = string.Join(", ", Entries.Select(entry => entry.Name));

    /// <summary>Finds a model by name, ignoring case.</summary>
    public static bool TryFind(string? name, [NotNullWhen(true)] out ModelInfo? model)
    {
        model = Entries.FirstOrDefault(entry => string.Equals(entry.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));
        return model is not null;
    }

    /// <summary>Finds a model by name, ignoring case.</summary>
    /// <exception cref="UnknownModelException">No model has that name.</exception>
    public static ModelInfo Find(string name) =>
        TryFind(name, out var model) ? model : throw new UnknownModelException(name);

    private static ModelInfo Entry(string name, long sizeBytes, string sha256) =>
        new(name, ModelInfo.FileNameFor(name), sizeBytes, sha256);
}

/// <summary>A model name that is not in <see cref="ModelCatalog"/>.</summary>
public sealed class UnknownModelException(string name)
    : ArgumentException($"Unknown Whisper model '{name}'. Known models: {ModelCatalog.KnownNames}.")
{
    /// <summary>The name that was asked for.</summary>
    public string Name { get; } = name;
}
