using System.Buffers.Binary;
using Kisei.Web.Audio;

namespace Kisei.Web.Tests.Audio;

public class WavReaderTests
{
    public static TheoryData<string, int> LayoutsAndChannels()
    {
        var data = new TheoryData<string, int>();
        foreach (var layout in WavLayout.All)
        {
            foreach (var channels in new[] { 1, 2, 6 })
            {
                data.Add(layout.ToString(), channels);
            }
        }

        return data;
    }

    internal static WavLayout Layout(string name) => WavLayout.All.Single(l => l.ToString() == name);

    [Theory]
    [MemberData(nameof(LayoutsAndChannels))]
    public void Every_layout_round_trips_within_quantisation(string layoutName, int channels)
    {
        var layout = Layout(layoutName);
        const int SampleRateHz = 22_050;
        const int Frames = 1_001;
        var signal = TestSignals.Interleaved(Frames, channels, SampleRateHz);

        var bytes = WavBuilder.Write(signal, channels, SampleRateHz, layout);
        var audio = WavReader.Read(bytes);

        Assert.Equal(audio.Header, WavReader.Check(bytes));
        Assert.Equal(SampleRateHz, audio.SampleRateHz);
        Assert.Equal(channels, audio.Channels);
        Assert.Equal(Frames, audio.Frames);
        Assert.Equal(Frames / (double)SampleRateHz, audio.DurationSeconds, 12);
        Assert.Equal(layout.Encoding, audio.Encoding);
        Assert.Equal(layout.ValidBits, audio.BitsPerSample);
        Assert.Equal(layout.ContainerBits, audio.Format.ContainerBitsPerSample);
        Assert.Equal(layout.Extensible, audio.Format.IsExtensible);
        Assert.False(audio.IsDataClamped);
        Assert.Equal(Frames, audio.Mono.Length);

        var stored = TestSignals.ExpectedMono(signal, channels, layout);
        var exact = TestSignals.ExpectedMono(signal, channels, WavLayout.Ieee64);
        for (var i = 0; i < Frames; i++)
        {
            // The mean of the stored values, up to float rounding...
            Assert.True(Math.Abs(audio.Mono[i] - stored[i]) <= 1e-6, $"frame {i}: read {audio.Mono[i]}, stored mean {stored[i]}");

            // ...and so the signal itself, up to half a quantisation step (a full step at +1, which clips).
            Assert.True(Math.Abs(audio.Mono[i] - exact[i]) <= (2 * layout.HalfStep) + 1e-6, $"frame {i}: read {audio.Mono[i]}, signal {exact[i]}");
        }
    }

    [Fact]
    public void Eight_bit_samples_are_unsigned_and_centred_at_128()
    {
        var bytes = WavBuilder.Write([0.0, -1.0, 0.5], 1, 8_000, WavLayout.Pcm8);
        Assert.Equal(new byte[] { 128, 0, 192 }, bytes[^4..^1]); // then the pad byte of an odd chunk

        Assert.Equal(new[] { 0f, -1f, 0.5f }, WavReader.Read(bytes).Mono);
    }

    [Fact]
    public void Integer_samples_are_scaled_by_their_full_scale()
    {
        Assert.Equal(new[] { -1f, 0.5f }, WavReader.Read(WavBuilder.Write([-1.0, 0.5], 1, 8_000, WavLayout.Pcm16)).Mono);
        Assert.Equal(new[] { -1f, 0.25f }, WavReader.Read(WavBuilder.Write([-1.0, 0.25], 1, 8_000, WavLayout.Pcm24)).Mono);
        Assert.Equal(new[] { -1f, -0.125f }, WavReader.Read(WavBuilder.Write([-1.0, -0.125], 1, 8_000, WavLayout.Pcm32)).Mono);
    }

    [Fact]
    public void Channels_are_mixed_down_as_their_mean()
    {
        var audio = WavReader.Read(WavBuilder.Write([0.5, -0.25, 0.75, 0.25, -1.0, -1.0], 2, 48_000, WavLayout.Pcm16));

        Assert.Equal(new[] { 0.125f, 0.5f, -1f }, audio.Mono);
    }

    [Fact]
    public void Long_sixteen_bit_stereo_uses_every_frame_including_the_tail_after_the_vector_loop()
    {
        // 1,000 frames: not a multiple of any vector width, so both the vector loop and the scalar tail run.
        var signal = TestSignals.Interleaved(1_000, 2, 48_000);
        var audio = WavReader.Read(WavBuilder.Write(signal, 2, 48_000, WavLayout.Pcm16));

        var expected = TestSignals.ExpectedMono(signal, 2, WavLayout.Pcm16);
        Assert.Equal(expected.Select(x => (float)x), audio.Mono);
    }

    [Fact]
    public void Twelve_bit_samples_in_a_plain_format_chunk_read_as_sixteen_bit_containers()
    {
        var bytes = WavBuilder.Write([0.5, -0.5], 1, 16_000, WavLayout.Pcm16, new WavWriteOptions { BitsPerSample = 12 });

        var audio = WavReader.Read(bytes);

        Assert.Equal(12, audio.BitsPerSample);
        Assert.Equal(16, audio.Format.ContainerBitsPerSample);
        Assert.Equal(new[] { 0.5f, -0.5f }, audio.Mono);
    }

    [Fact]
    public void Extensible_valid_bits_of_zero_mean_the_whole_container()
    {
        var layout = new WavLayout(WavEncoding.PcmInteger, 24, 24, true);
        var bytes = WavBuilder.Write([0.25], 1, 16_000, layout, new WavWriteOptions { ValidBits = 0 });

        var audio = WavReader.Read(bytes);

        Assert.Equal(24, audio.BitsPerSample);
        Assert.Equal(0.25f, audio.Mono[0]);
    }

    [Fact]
    public void Unknown_chunks_before_and_after_the_format_are_skipped_with_their_pad_bytes()
    {
        var options = new WavWriteOptions
        {
            ChunksBeforeFormat = [("JUNK", new byte[27]), ("bext", new byte[3])],
            ChunksBeforeData = [("LIST", "INFOISFT\u0005\0\0\0Kisei"u8.ToArray()), ("fact", new byte[4])],
            ChunksAfterData = [("id3 ", new byte[11])],
        };
        var signal = TestSignals.Interleaved(333, 1, 44_100);

        var audio = WavReader.Read(WavBuilder.Write(signal, 1, 44_100, WavLayout.Pcm24, options));

        Assert.Equal(333, audio.Frames);
        Assert.Equal(TestSignals.ExpectedMono(signal, 1, WavLayout.Pcm24).Select(x => (float)x), audio.Mono);
    }

    [Fact]
    public void A_data_chunk_before_the_format_chunk_is_still_found()
    {
        // Non-conforming, but some writers do it; the data chunk's size is intact, so the walk can go on.
        var format = WavBuilder.Write([0.0], 1, 16_000, WavLayout.Pcm16).AsSpan(12, 24).ToArray();
        var data = WavBuilder.Write([0.5, -0.5, 0.25], 1, 16_000, WavLayout.Pcm16).AsSpan(36).ToArray();
        byte[] bytes = [.. "RIFF"u8, 0, 0, 0, 0, .. "WAVE"u8, .. data, .. format];

        Assert.Equal(new[] { 0.5f, -0.5f, 0.25f }, WavReader.Read(bytes).Mono);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(4u)]
    [InlineData(100u)]
    [InlineData(0x7FFFFFFFu)]
    [InlineData(0xFFFFFFFFu)]
    public void A_wrong_RIFF_size_is_tolerated_when_the_chunks_parse(uint riffSize)
    {
        var bytes = WavBuilder.Write([0.5, 0.25, -0.5], 1, 16_000, WavLayout.Pcm16, new WavWriteOptions { RiffSize = riffSize });

        var audio = WavReader.Read(bytes);

        Assert.Equal(new[] { 0.5f, 0.25f, -0.5f }, audio.Mono);
        Assert.False(audio.IsDataClamped);
    }

    [Theory]
    [InlineData(1_000u)]
    [InlineData(0x7FFFFFFFu)]
    [InlineData(0xFFFFFFFFu)]
    public void A_data_size_past_the_end_is_clamped_to_the_whole_frames_present(uint declaredDataBytes)
    {
        var signal = TestSignals.Interleaved(10, 2, 16_000);
        var bytes = WavBuilder.Write(signal, 2, 16_000, WavLayout.Pcm16, new WavWriteOptions { DataSize = declaredDataBytes });

        // Cut the last frame in half: only whole frames may be read.
        var audio = WavReader.Read(bytes.AsSpan(0, bytes.Length - 2));

        Assert.True(audio.IsDataClamped);
        Assert.Equal(declaredDataBytes, audio.Header.DeclaredDataBytes);
        Assert.Equal(9, audio.Frames);
        Assert.Equal(TestSignals.ExpectedMono(signal, 2, WavLayout.Pcm16).Take(9).Select(x => (float)x), audio.Mono);
    }

    [Fact]
    public void A_data_size_shorter_than_the_data_reads_only_the_declared_frames()
    {
        var bytes = WavBuilder.Write([0.5, 0.25, -0.5, 0.75], 1, 16_000, WavLayout.Pcm16, new WavWriteOptions { DataSize = 4 });

        var audio = WavReader.Read(bytes);

        float[] declaredFrames = [0.5f, 0.25f];
        Assert.Equal(declaredFrames, audio.Mono);
        Assert.False(audio.IsDataClamped);
    }

    [Fact]
    public void A_streaming_file_with_placeholder_sizes_reads_to_the_end()
    {
        var bytes = WavBuilder.Write([0.5, 0.25, -0.5], 1, 16_000, WavLayout.Pcm16, new WavWriteOptions { RiffSize = 0xFFFFFFFF, DataSize = 0 });

        var audio = WavReader.Read(bytes);

        Assert.Equal(new[] { 0.5f, 0.25f, -0.5f }, audio.Mono);
        Assert.True(audio.IsDataClamped);
    }

    [Fact]
    public void The_header_alone_gives_the_same_facts_as_a_full_read()
    {
        var bytes = WavBuilder.Write(TestSignals.Interleaved(4_800, 2, 48_000), 2, 48_000, WavLayout.Ieee32, new WavWriteOptions { ChunksBeforeFormat = [("JUNK", new byte[28])] });

        var header = WavReader.ReadHeader(bytes);

        Assert.Equal(WavReader.Read(bytes).Header, header);
        Assert.Equal(0.1, header.DurationSeconds, 12);
        Assert.Equal(12 + 36 + 24 + 8, header.DataOffset);
    }

    private static byte[] Valid(WavWriteOptions? options = null, WavLayout? layout = null, int channels = 1, int frames = 100) =>
        WavBuilder.Write(TestSignals.Interleaved(frames, channels, 16_000), channels, 16_000, layout ?? WavLayout.Pcm16, options);

    private static readonly Dictionary<string, (Func<byte[]> Bytes, WavError Error)> MalformedFiles = new()
    {
        ["empty"] = (() => [], WavError.TruncatedHeader),
        ["cut inside RIFF"] = (() => Valid()[..3], WavError.TruncatedHeader),
        ["cut after RIFF size"] = (() => Valid()[..8], WavError.TruncatedHeader),
        ["cut after WAVE"] = (() => Valid()[..12], WavError.TruncatedHeader),
        ["cut inside fmt header"] = (() => Valid()[..17], WavError.TruncatedHeader),
        ["cut inside fmt body"] = (() => Valid()[..30], WavError.TruncatedHeader),
        ["cut inside data header"] = (() => Valid()[..40], WavError.TruncatedHeader),
        ["cut inside extensible fmt"] = (() => Valid(layout: WavLayout.All.First(l => l.Extensible))[..50], WavError.TruncatedHeader),
        ["unknown chunk runs past the end"] = (() => Valid(new WavWriteOptions { ChunksBeforeData = [("LIST", new byte[4])] })[..46], WavError.TruncatedHeader),
        ["not RIFF: MP3"] = (() => [.. "ID3\u0004"u8, .. new byte[60]], WavError.NotRiff),
        ["not RIFF: text"] = (() => "hello, this is not audio at all, honestly"u8.ToArray(), WavError.NotRiff),
        ["not RIFF: two bytes"] = (() => "RX"u8.ToArray(), WavError.NotRiff),
        ["not RIFF: RIFX"] = (() => [.. "RIFX"u8, .. Valid()[4..]], WavError.NotRiff),
        ["not RIFF: RF64"] = (() => [.. "RF64"u8, .. Valid()[4..]], WavError.NotRiff),
        ["not WAVE: AVI"] = (() => [.. Valid()[..8], .. "AVI "u8, .. Valid()[12..]], WavError.NotWave),
        ["missing fmt"] = (() => Valid(new WavWriteOptions { FormatChunkId = "fmx " }), WavError.MissingFormatChunk),
        ["missing data"] = (() => Valid(new WavWriteOptions { DataChunkId = "dat_" }), WavError.MissingDataChunk),
        ["fmt shorter than 16 bytes"] = (() => Valid(new WavWriteOptions { FormatSize = 14 }), WavError.InvalidFormatChunk),
        ["extensible fmt shorter than 40 bytes"] = (() => Valid(new WavWriteOptions { FormatSize = 18, FormatTag = 0xFFFE }), WavError.InvalidFormatChunk),
        ["MP3 format tag"] = (() => Valid(new WavWriteOptions { FormatTag = 0x0055 }), WavError.UnsupportedEncoding),
        ["A-law format tag"] = (() => Valid(new WavWriteOptions { FormatTag = 0x0006 }), WavError.UnsupportedEncoding),
        ["format tag 0"] = (() => Valid(new WavWriteOptions { FormatTag = 0 }), WavError.UnsupportedEncoding),
        ["extensible with an unknown GUID"] = (() => Valid(new WavWriteOptions { SubFormat = new byte[16] }, WavLayout.All.First(l => l.Extensible)), WavError.UnsupportedEncoding),
        ["extensible with the ADPCM sub-format"] = (() => Valid(new WavWriteOptions { SubFormat = WavBuilder.SubFormatGuid(2) }, WavLayout.All.First(l => l.Extensible)), WavError.UnsupportedEncoding),
        ["zero channels"] = (() => Valid(new WavWriteOptions { Channels = 0 }), WavError.ZeroChannels),
        ["33 channels"] = (() => Valid(new WavWriteOptions { Channels = 33 }), WavError.TooManyChannels),
        ["65535 channels"] = (() => Valid(new WavWriteOptions { Channels = 65_535 }), WavError.TooManyChannels),
        ["0 Hz"] = (() => Valid(new WavWriteOptions { SampleRateHz = 0 }), WavError.SampleRateOutOfRange),
        ["7999 Hz"] = (() => Valid(new WavWriteOptions { SampleRateHz = 7_999 }), WavError.SampleRateOutOfRange),
        ["192001 Hz"] = (() => Valid(new WavWriteOptions { SampleRateHz = 192_001 }), WavError.SampleRateOutOfRange),
        ["1 GHz"] = (() => Valid(new WavWriteOptions { SampleRateHz = 1_000_000_000 }), WavError.SampleRateOutOfRange),
        ["4 GHz"] = (() => Valid(new WavWriteOptions { SampleRateHz = uint.MaxValue }), WavError.SampleRateOutOfRange),
        ["0-bit"] = (() => Valid(new WavWriteOptions { BitsPerSample = 0 }), WavError.UnsupportedBitDepth),
        ["40-bit integer"] = (() => Valid(new WavWriteOptions { BitsPerSample = 40 }), WavError.UnsupportedBitDepth),
        ["65535-bit integer"] = (() => Valid(new WavWriteOptions { BitsPerSample = 65_535 }), WavError.UnsupportedBitDepth),
        ["16-bit float"] = (() => Valid(new WavWriteOptions { BitsPerSample = 16, BlockAlign = 2 }, WavLayout.Ieee32), WavError.UnsupportedBitDepth),
        ["valid bits beyond the container"] = (() => Valid(new WavWriteOptions { ValidBits = 20 }, WavLayout.All.First(l => l.Extensible && l.ContainerBits == 16)), WavError.UnsupportedBitDepth),
        ["odd block align"] = (() => Valid(new WavWriteOptions { BlockAlign = 3 }), WavError.BlockAlignMismatch),
        ["zero block align"] = (() => Valid(new WavWriteOptions { BlockAlign = 0 }), WavError.BlockAlignMismatch),
        ["block align of another channel count"] = (() => Valid(new WavWriteOptions { BlockAlign = 4 }), WavError.BlockAlignMismatch),
        ["empty data chunk"] = (() => Valid(new WavWriteOptions { DataSize = 0 }), WavError.NoAudio),
        ["data shorter than one frame"] = (() => Valid(new WavWriteOptions { DataSize = 5 }, WavLayout.Pcm24, channels: 2), WavError.NoAudio),
        ["header only"] = (() => Valid()[..44], WavError.NoAudio),
        ["NaN float sample"] = (() => WavBuilder.Write([0.5, double.NaN, 0.5], 1, 16_000, WavLayout.Ieee32), WavError.NonFiniteSamples),
        ["infinite float sample"] = (() => WavBuilder.Write([0.5, double.NegativeInfinity], 1, 16_000, WavLayout.Ieee64), WavError.NonFiniteSamples),
        ["double beyond float range"] = (() => WavBuilder.Write([0.5, 1e300], 1, 16_000, WavLayout.Ieee64), WavError.NonFiniteSamples),
        ["NaN in stereo float"] = (() => WavBuilder.Write([0.5, 0.5, double.NaN, 0.0], 2, 16_000, WavLayout.Ieee32), WavError.NonFiniteSamples),
    };

    public static TheoryData<string> MalformedCases() => new(MalformedFiles.Keys);

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public void A_malformed_file_is_refused_with_its_own_cause_and_a_plain_message(string name)
    {
        var (bytes, expected) = MalformedFiles[name];

        var exception = Assert.Throws<WavFormatException>(() => WavReader.Read(bytes()));

        Assert.Equal(expected, exception.Error);
        Assert.Equal(expected, Assert.Throws<WavFormatException>(() => WavReader.Check(bytes())).Error);
        Assert.False(string.IsNullOrWhiteSpace(exception.Message));
        Assert.EndsWith(".", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2_047)]
    [InlineData(2_048)]
    [InlineData(9_999)]
    public void The_upload_check_finds_a_bad_float_sample_anywhere_in_a_long_file(int badFrame)
    {
        var signal = new double[10_000 * 2];
        signal[(2 * badFrame) + 1] = double.PositiveInfinity;

        foreach (var layout in new[] { WavLayout.Ieee32, WavLayout.Ieee64 })
        {
            var bytes = WavBuilder.Write(signal, 2, 16_000, layout);

            Assert.Equal(WavError.NonFiniteSamples, Assert.Throws<WavFormatException>(() => WavReader.Check(bytes)).Error);
        }
    }

    [Fact]
    public void Decoding_into_a_larger_buffer_fills_only_the_frames_and_matches_Read()
    {
        var bytes = WavBuilder.Write(TestSignals.Interleaved(1_001, 2, 22_050), 2, 22_050, WavLayout.Pcm16);
        var header = WavReader.ReadHeader(bytes);
        var buffer = Enumerable.Repeat(7f, 2_048).ToArray();

        WavReader.Decode(bytes, header, buffer);

        Assert.Equal(WavReader.Read(bytes).Mono, buffer[..1_001]);
        Assert.All(buffer[1_001..], sample => Assert.Equal(7f, sample));
    }

    [Fact]
    public void Every_cause_has_a_malformed_case()
    {
        var covered = MalformedFiles.Values.Select(v => v.Error).ToHashSet();

        Assert.Equal(Enum.GetValues<WavError>().ToHashSet(), covered);
    }

    [Fact]
    public void Messages_say_what_was_wrong_in_numbers()
    {
        Assert.Equal("The file ends inside the WAV header (12 of 44 bytes).", Refusal(Valid()[..12]).Message);
        Assert.Contains("0x0055 (MPEG Layer 3)", Refusal(Valid(new WavWriteOptions { FormatTag = 0x55 })).Message, StringComparison.Ordinal);
        Assert.Contains("1000000000 Hz", Refusal(Valid(new WavWriteOptions { SampleRateHz = 1_000_000_000 })).Message, StringComparison.Ordinal);
        Assert.Contains("block align is 3 bytes", Refusal(Valid(new WavWriteOptions { BlockAlign = 3 })).Message, StringComparison.Ordinal);
        Assert.Contains("33 channels", Refusal(Valid(new WavWriteOptions { Channels = 33 })).Message, StringComparison.Ordinal);
        Assert.Contains("40-bit", Refusal(Valid(new WavWriteOptions { BitsPerSample = 40 })).Message, StringComparison.Ordinal);
        Assert.Contains("the \"LIST\" chunk at byte 36 declares 4 bytes but only 0 remain", Refusal(Valid(new WavWriteOptions { ChunksBeforeData = [("LIST", new byte[4])] })[..44]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_bytes_are_refused_as_not_RIFF()
    {
        var random = new Random(42);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 4_096)];
            random.NextBytes(bytes);
            var prefix = Math.Min(4, bytes.Length);
            if (bytes.AsSpan(0, prefix).SequenceEqual("RIFF"u8[..prefix]))
            {
                // Empty, or by chance the start of a RIFF header: not what this test is about.
                continue;
            }

            Assert.Equal(WavError.NotRiff, Refusal(bytes).Error);
        }
    }

    [Fact]
    public void Random_bytes_behind_a_RIFF_WAVE_header_are_refused_with_a_WAV_error()
    {
        var random = new Random(43);
        var errors = new HashSet<WavError>();
        for (var i = 0; i < 2_000; i++)
        {
            var bytes = new byte[12 + random.Next(0, 512)];
            random.NextBytes(bytes);
            "RIFF"u8.CopyTo(bytes);
            "WAVE"u8.CopyTo(bytes.AsSpan(8));

            errors.Add(Refusal(bytes).Error);
        }

        // Random chunk sizes almost always run past the end.
        Assert.Contains(WavError.TruncatedHeader, errors);
    }

    [Fact]
    public void Thousands_of_mutated_files_either_read_or_are_refused_with_a_WAV_error()
    {
        var random = new Random(20_240_601);
        byte[][] originals =
        [
            Valid(frames: 50),
            Valid(layout: WavLayout.Pcm8, channels: 3, frames: 31),
            Valid(layout: WavLayout.Pcm24, channels: 2, frames: 40),
            Valid(layout: WavLayout.Ieee32, channels: 2, frames: 40),
            Valid(layout: WavLayout.Ieee64, frames: 20),
            Valid(new WavWriteOptions { ChunksBeforeFormat = [("JUNK", new byte[7])], ChunksAfterData = [("LIST", new byte[10])] }, WavLayout.Pcm32, 1, 30),
            Valid(layout: WavLayout.All.Last(l => l.Extensible && l.Encoding == WavEncoding.PcmInteger), channels: 6, frames: 20),
            Valid(layout: WavLayout.All.Last(l => l.Extensible), channels: 2, frames: 20),
        ];
        uint[] extremes = [0, 1, 2, 3, 7, 8, 16, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF];
        var outcomes = new Dictionary<string, int>();
        var failures = new List<string>();

        for (var i = 0; i < 5_000; i++)
        {
            var bytes = Mutate(originals[i % originals.Length], random, extremes);
            try
            {
                var audio = WavReader.Read(bytes);
                if (audio.Frames <= 0 || audio.Mono.Length != audio.Frames || audio.Mono.Any(x => !float.IsFinite(x)))
                {
                    failures.Add($"mutation {i}: read {audio.Frames} frames into {audio.Mono.Length} samples, or non-finite samples");
                }

                outcomes["read"] = outcomes.GetValueOrDefault("read") + 1;
            }
            catch (WavFormatException exception)
            {
                if (!Enum.IsDefined(exception.Error) || string.IsNullOrWhiteSpace(exception.Message))
                {
                    failures.Add($"mutation {i}: {exception.Error} with message '{exception.Message}'");
                }

                outcomes[exception.Error.ToString()] = outcomes.GetValueOrDefault(exception.Error.ToString()) + 1;
            }
#pragma warning disable CA1031 // The point of the test is to catch anything else.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                failures.Add($"mutation {i}: {exception.GetType().Name}: {exception.Message}");
            }
        }

        Assert.Empty(failures);

        // The mutations must reach both outcomes, and many distinct causes, or they test little.
        Assert.True(outcomes.GetValueOrDefault("read") > 500, string.Join(", ", outcomes));
        Assert.True(outcomes.Count >= 10, string.Join(", ", outcomes));
    }

    private static byte[] Mutate(byte[] original, Random random, uint[] extremes)
    {
        var bytes = original.ToList();
        var steps = random.Next(1, 4);
        for (var step = 0; step < steps && bytes.Count > 0; step++)
        {
            switch (random.Next(7))
            {
                case 0:
                    var bit = random.Next(bytes.Count * 8);
                    bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                    break;
                case 1:
                    bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                    break;
                case 2:
                    var inserted = new byte[random.Next(1, 9)];
                    random.NextBytes(inserted);
                    bytes.InsertRange(random.Next(bytes.Count + 1), inserted);
                    break;
                case 3:
                    var at = random.Next(bytes.Count);
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 9)));
                    break;
                case 4:
                    var keep = random.Next(bytes.Count);
                    bytes.RemoveRange(keep, bytes.Count - keep);
                    break;
                case 5 or 6 when bytes.Count >= 8:
                    // A header field (sizes, tag, channels, rate, align, bits, valid bits) set to an extreme.
                    var offset = random.Next(4, Math.Min(bytes.Count, 80) - 1) & ~1;
                    var field = new byte[4];
                    BinaryPrimitives.WriteUInt32LittleEndian(field, extremes[random.Next(extremes.Length)]);
                    var width = random.Next(2) == 0 ? 2 : 4;
                    for (var b = 0; b < width && offset + b < bytes.Count; b++)
                    {
                        bytes[offset + b] = field[b];
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    private static WavFormatException Refusal(byte[] bytes) => Assert.Throws<WavFormatException>(() => WavReader.Read(bytes));
}
