using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Kisei.Whisper;

/// <summary>
/// A Whisper model in whisper.cpp's legacy ggml layout: the magic "ggml" (0x67676d6c), 11 int32 hyperparameters,
/// the mel filter bank (n_mel, n_fft, then n_mel·n_fft floats), the vocabulary (a count, then each token as an
/// int32 length and its bytes), then tensors until the end of the file (n_dims, name length, type, the
/// dimensions, the name, the data). Everything is little-endian. Every tensor the model needs is checked for
/// presence, shape and type against the hyperparameters, so a model that loads can run.
/// </summary>
public sealed class GgmlModel
{
    /// <summary>"ggml" read as a little-endian uint32.</summary>
    public const uint Magic = 0x67676d6c;

    /// <summary>FFT bins of Whisper's 400-point frames, which the filter bank must cover.</summary>
    public const int FftBins = 201;

    private const int QuantizationVersionFactor = 1000;
    private const int MaxNameBytes = 256;
    private const int MaxTokenBytes = 1 << 16;

    private readonly Dictionary<string, GgmlTensor> _tensors;

    private GgmlModel(WhisperHyperparameters hyperparameters, float[] melFilters, Vocabulary vocabulary, Dictionary<string, GgmlTensor> tensors)
    {
        Hyperparameters = hyperparameters;
        MelFilters = melFilters;
        Vocabulary = vocabulary;
        _tensors = tensors;
    }

    public WhisperHyperparameters Hyperparameters { get; }

    /// <summary>The mel filter bank, n_mels rows of <see cref="FftBins"/> weights over the power spectrum.</summary>
    public ReadOnlyMemory<float> MelFilters { get; }

    public Vocabulary Vocabulary { get; }

    public IReadOnlyDictionary<string, GgmlTensor> Tensors => _tensors;

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="WhisperModelException">The file has no such tensor.</exception>
    public GgmlTensor Tensor(string name) =>
        _tensors.TryGetValue(name, out var tensor)
            ? tensor
            : throw new WhisperModelException(WhisperModelError.MissingTensor, $"The model has no tensor '{name}'.");

    /// <summary>Reads and checks a model file.</summary>
    /// <exception cref="WhisperModelException">The file is missing, unreadable, or not a usable Whisper model.</exception>
    public static GgmlModel Load(string path) => Load(path, consume: null);

    /// <summary>Reads and checks a model from a stream positioned at its first byte.</summary>
    /// <exception cref="WhisperModelException">The stream is not a usable Whisper model.</exception>
    public static GgmlModel Load(Stream stream) => Load(stream, consume: null);

    /// <summary>
    /// Reads a model file, handing each checked tensor's header (its <see cref="GgmlTensor.Data"/> empty) to
    /// <paramref name="consume"/> with its bytes still in the file, and keeping only its name, type and shape. The
    /// consumer reads the bytes a piece at a time, so the engine repacks the weights without ever holding a whole
    /// tensor (base's token embedding alone is 53 MB). Bytes the consumer leaves unread are skipped.
    /// </summary>
    internal static GgmlModel Load(string path, Action<GgmlTensor, GgmlTensorData>? consume)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new WhisperModelException(WhisperModelError.Unreadable, $"Cannot open the Whisper model '{path}': {ex.Message}", ex);
        }

        using (stream)
        {
            return Load(stream, consume);
        }
    }

    /// <inheritdoc cref="Load(string, Action{GgmlTensor, GgmlTensorData}?)"/>
    internal static GgmlModel Load(Stream stream, Action<GgmlTensor, GgmlTensorData>? consume)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            return new Reader(stream, consume).ReadModel();
        }
        catch (EndOfStreamException ex)
        {
            throw new WhisperModelException(WhisperModelError.Truncated, "The Whisper model file ends too early: it is truncated.", ex);
        }
        catch (IOException ex)
        {
            throw new WhisperModelException(WhisperModelError.Unreadable, $"Cannot read the Whisper model: {ex.Message}", ex);
        }
    }

    /// <summary>The tensors a model with these hyperparameters needs, with their ggml dimensions and types.</summary>
    public static IReadOnlyList<(string Name, int[] Dimensions, GgmlType Type)> ExpectedTensors(WhisperHyperparameters hp)
    {
        ArgumentNullException.ThrowIfNull(hp);
        var matrix = hp.MatrixType ?? GgmlType.F32;
        var conv = hp.ConvolutionType;
        var s = hp.AudioState;
        var t = hp.TextState;
        var list = new List<(string, int[], GgmlType)>
        {
            ("encoder.positional_embedding", [s, hp.AudioContext], GgmlType.F32),
            ("encoder.conv1.weight", [3, hp.MelBands, s], conv),
            ("encoder.conv1.bias", [1, s], GgmlType.F32),
            ("encoder.conv2.weight", [3, s, s], conv),
            ("encoder.conv2.bias", [1, s], GgmlType.F32),
            ("encoder.ln_post.weight", [s], GgmlType.F32),
            ("encoder.ln_post.bias", [s], GgmlType.F32),
            ("decoder.positional_embedding", [t, hp.TextContext], GgmlType.F32),
            ("decoder.token_embedding.weight", [t, hp.VocabularySize], matrix),
            ("decoder.ln.weight", [t], GgmlType.F32),
            ("decoder.ln.bias", [t], GgmlType.F32),
        };

        void AddBlock(string prefix, string attention, int width)
        {
            list.Add(($"{prefix}.{attention}.query.weight", [width, width], matrix));
            list.Add(($"{prefix}.{attention}.query.bias", [width], GgmlType.F32));
            list.Add(($"{prefix}.{attention}.key.weight", [width, width], matrix));
            list.Add(($"{prefix}.{attention}.value.weight", [width, width], matrix));
            list.Add(($"{prefix}.{attention}.value.bias", [width], GgmlType.F32));
            list.Add(($"{prefix}.{attention}.out.weight", [width, width], matrix));
            list.Add(($"{prefix}.{attention}.out.bias", [width], GgmlType.F32));
            list.Add(($"{prefix}.{attention}_ln.weight", [width], GgmlType.F32));
            list.Add(($"{prefix}.{attention}_ln.bias", [width], GgmlType.F32));
        }

        void AddMlp(string prefix, int width)
        {
            list.Add(($"{prefix}.mlp.0.weight", [width, 4 * width], matrix));
            list.Add(($"{prefix}.mlp.0.bias", [4 * width], GgmlType.F32));
            list.Add(($"{prefix}.mlp.2.weight", [4 * width, width], matrix));
            list.Add(($"{prefix}.mlp.2.bias", [width], GgmlType.F32));
            list.Add(($"{prefix}.mlp_ln.weight", [width], GgmlType.F32));
            list.Add(($"{prefix}.mlp_ln.bias", [width], GgmlType.F32));
        }

        for (var i = 0; i < hp.AudioLayers; i++)
        {
            AddBlock($"encoder.blocks.{i}", "attn", s);
            AddMlp($"encoder.blocks.{i}", s);
        }

        for (var i = 0; i < hp.TextLayers; i++)
        {
            AddBlock($"decoder.blocks.{i}", "attn", t);
            AddBlock($"decoder.blocks.{i}", "cross_attn", t);
            AddMlp($"decoder.blocks.{i}", t);
        }

        return list;
    }

    private static WhisperModelException Error(WhisperModelError error, string message) => new(error, message);

    private sealed class Reader(Stream stream, Action<GgmlTensor, GgmlTensorData>? consume)
    {
        private readonly byte[] _scratch = new byte[64];
        private readonly long _length = stream.CanSeek ? stream.Length : -1;
        private long _position = stream.CanSeek ? stream.Position : 0;

        public GgmlModel ReadModel()
        {
            if (TryReadExactly(_scratch.AsSpan(0, 4)) < 4 || BinaryPrimitives.ReadUInt32LittleEndian(_scratch) != Magic)
            {
                throw Error(WhisperModelError.BadMagic, "This is not a ggml Whisper model: the file does not start with the magic 'ggml' (0x67676d6c).");
            }

            var hp = ReadHyperparameters();
            var filters = ReadMelFilters(hp);
            var vocabulary = ReadVocabulary(hp);
            var tensors = ReadTensors(hp);
            return new GgmlModel(hp, filters, vocabulary, tensors);
        }

        private WhisperHyperparameters ReadHyperparameters()
        {
            var v = new int[11];
            for (var i = 0; i < v.Length; i++)
            {
                v[i] = ReadInt32();
            }

            var rawFileType = v[10];
            var hp = new WhisperHyperparameters(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], rawFileType % QuantizationVersionFactor);
            if (rawFileType < 0 || hp.MatrixType is null)
            {
                throw Error(WhisperModelError.UnsupportedFileType, $"The model's weight type (ftype {rawFileType}) is not supported; use f32, f16, q8_0, q5_0, q5_1, q4_0 or q4_1.");
            }

            Check(hp.VocabularySize is >= Vocabulary.EnglishOnlySize and <= 1 << 20, $"n_vocab {hp.VocabularySize} is not a Whisper vocabulary (at least {Vocabulary.EnglishOnlySize}).");
            Check(hp.AudioContext == WhisperHyperparameters.StandardAudioContext, $"n_audio_ctx {hp.AudioContext} is not Whisper's 1500 positions per 30 s window.");
            Check(hp.AudioState is > 0 and <= 1 << 14 && hp.AudioHeads > 0 && hp.AudioState % hp.AudioHeads == 0, $"n_audio_state {hp.AudioState} must be a positive multiple of n_audio_head {hp.AudioHeads}.");
            Check(hp.TextState == hp.AudioState, $"n_text_state {hp.TextState} must equal n_audio_state {hp.AudioState}.");
            Check(hp.TextHeads > 0 && hp.TextState % hp.TextHeads == 0, $"n_text_state {hp.TextState} must be a multiple of n_text_head {hp.TextHeads}.");
            Check(hp.AudioLayers is > 0 and <= 256 && hp.TextLayers is > 0 and <= 256, $"The layer counts ({hp.AudioLayers}, {hp.TextLayers}) must be between 1 and 256.");
            Check(hp.TextContext is >= 10 and <= 1 << 14, $"n_text_ctx {hp.TextContext} must be between 10 and 16384.");
            Check(hp.MelBands is > 0 and <= 512, $"n_mels {hp.MelBands} must be between 1 and 512.");
            var matrix = hp.MatrixType.Value;
            Check(GgmlTypes.RowBytes(matrix, hp.AudioState) >= 0, $"{matrix} weights need n_state to be a multiple of {GgmlTypes.BlockLength(matrix)}; it is {hp.AudioState}.");
            return hp;
        }

        private float[] ReadMelFilters(WhisperHyperparameters hp)
        {
            var bands = ReadInt32();
            var bins = ReadInt32();
            Check(bands == hp.MelBands, $"The mel filter bank has {bands} bands but n_mels is {hp.MelBands}.");
            Check(bins == FftBins, $"The mel filter bank covers {bins} FFT bins; Whisper's 400-point frames have {FftBins}.");
            var filters = new float[bands * bins];
            var bytes = new byte[filters.Length * 4];
            ReadExactly(bytes);
            for (var i = 0; i < filters.Length; i++)
            {
                filters[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
            }

            return filters;
        }

        private Vocabulary ReadVocabulary(WhisperHyperparameters hp)
        {
            var count = ReadInt32();
            Check(count >= 0 && count <= hp.VocabularySize, $"The vocabulary lists {count} tokens; n_vocab is {hp.VocabularySize}.");
            var tokens = new List<byte[]>(count);
            for (var i = 0; i < count; i++)
            {
                var length = ReadInt32();
                Check(length is >= 0 and <= MaxTokenBytes, $"Token {i} claims {length} bytes.");
                var token = new byte[length];
                ReadExactly(token);
                tokens.Add(token);
            }

            return new Vocabulary(hp.VocabularySize, tokens);
        }

        private Dictionary<string, GgmlTensor> ReadTensors(WhisperHyperparameters hp)
        {
            var expected = new Dictionary<string, (int[] Dimensions, GgmlType Type)>(StringComparer.Ordinal);
            foreach (var (name, dimensions, type) in ExpectedTensors(hp))
            {
                expected[name] = (dimensions, type);
            }

            var tensors = new Dictionary<string, GgmlTensor>(StringComparer.Ordinal);
            while (true)
            {
                var read = TryReadExactly(_scratch.AsSpan(0, 12));
                if (read == 0)
                {
                    break;
                }

                if (read < 12)
                {
                    throw new EndOfStreamException();
                }

                var dimensionCount = BinaryPrimitives.ReadInt32LittleEndian(_scratch);
                var nameLength = BinaryPrimitives.ReadInt32LittleEndian(_scratch.AsSpan(4));
                var typeId = BinaryPrimitives.ReadInt32LittleEndian(_scratch.AsSpan(8));
                Check(dimensionCount is >= 1 and <= 4, $"A tensor header claims {dimensionCount} dimensions.", WhisperModelError.MisshapedTensor);
                Check(nameLength is > 0 and <= MaxNameBytes, $"A tensor header claims a {nameLength}-byte name.", WhisperModelError.UnexpectedTensor);
                var dimensions = new int[dimensionCount];
                for (var i = 0; i < dimensionCount; i++)
                {
                    dimensions[i] = ReadInt32();
                }

                var nameBytes = new byte[nameLength];
                ReadExactly(nameBytes);
                var name = Encoding.UTF8.GetString(nameBytes);
                if (!expected.TryGetValue(name, out var spec))
                {
                    throw Error(WhisperModelError.UnexpectedTensor, $"The file has a tensor '{name}' that is not part of a Whisper model with these hyperparameters.");
                }

                if (tensors.ContainsKey(name))
                {
                    throw Error(WhisperModelError.UnexpectedTensor, $"The tensor '{name}' appears twice.");
                }

                if (!SameShape(dimensions, spec.Dimensions))
                {
                    throw Error(WhisperModelError.MisshapedTensor, $"The tensor '{name}' has shape {Shape(dimensions)}; the hyperparameters need {Shape(spec.Dimensions)}.");
                }

                if (!GgmlTypes.IsSupported(typeId))
                {
                    throw Error(WhisperModelError.UnsupportedTensorType, $"The tensor '{name}' is stored as ggml type {typeId}, which is not supported.");
                }

                var type = (GgmlType)typeId;
                if (type != spec.Type)
                {
                    throw Error(WhisperModelError.WrongTensorType, $"The tensor '{name}' is stored as {type}; a model of ftype {hp.FileType} stores it as {spec.Type}.");
                }

                long rows = 1;
                for (var i = 1; i < dimensionCount; i++)
                {
                    rows *= dimensions[i];
                }

                var byteCount = rows * GgmlTypes.RowBytes(type, dimensions[0]);
                Check(byteCount is > 0 and < int.MaxValue, $"The tensor '{name}' is too large ({byteCount} bytes).", WhisperModelError.MisshapedTensor);
                if (_length >= 0 && _position + byteCount > _length)
                {
                    throw new EndOfStreamException();
                }

                if (consume is null)
                {
                    var data = new byte[byteCount];
                    ReadExactly(data);
                    tensors.Add(name, new GgmlTensor(name, type, dimensions, data));
                    continue;
                }

                var header = new GgmlTensor(name, type, dimensions, ReadOnlyMemory<byte>.Empty);
                var stored = new GgmlTensorData(stream, byteCount);
                consume(header, stored);
                while (stored.Remaining > 0)
                {
                    stored.Read(_scratch.AsSpan(0, (int)Math.Min(_scratch.Length, stored.Remaining)));
                }

                _position += byteCount;
                tensors.Add(name, header);
            }

            foreach (var name in expected.Keys)
            {
                if (!tensors.ContainsKey(name))
                {
                    throw Error(WhisperModelError.MissingTensor, $"The model file has no tensor '{name}'; it is incomplete or not a Whisper model.");
                }
            }

            return tensors;
        }

        private static bool SameShape(int[] actual, int[] expected)
        {
            // ggml pads shapes with ones, so [n] and [n, 1] are the same tensor shape.
            for (var i = 0; i < 4; i++)
            {
                var a = i < actual.Length ? actual[i] : 1;
                var e = i < expected.Length ? expected[i] : 1;
                if (a != e)
                {
                    return false;
                }
            }

            return true;
        }

        private static string Shape(int[] dimensions) =>
            "[" + string.Join(", ", dimensions.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

        private static void Check(bool condition, string message, WhisperModelError error = WhisperModelError.BadHyperparameters)
        {
            if (!condition)
            {
                throw Error(error, message);
            }
        }

        private int ReadInt32()
        {
            ReadExactly(_scratch.AsSpan(0, 4));
            return BinaryPrimitives.ReadInt32LittleEndian(_scratch);
        }

        private void ReadExactly(Span<byte> buffer)
        {
            if (TryReadExactly(buffer) < buffer.Length)
            {
                throw new EndOfStreamException();
            }
        }

        private int TryReadExactly(Span<byte> buffer)
        {
            var total = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            _position += total;
            return total;
        }
    }
}

/// <summary>The stored bytes of one tensor, read in order straight from the model file.</summary>
internal sealed class GgmlTensorData(Stream stream, long byteCount)
{
    /// <summary>Bytes not yet read.</summary>
    public long Remaining { get; private set; } = byteCount;

    /// <summary>Reads the next <paramref name="destination"/>.Length bytes.</summary>
    /// <exception cref="EndOfStreamException">The file ends first.</exception>
    public void Read(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destination.Length, Remaining, nameof(destination));
        stream.ReadExactly(destination);
        Remaining -= destination.Length;
    }
}
