using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Kisei.Web.Pages.Screams;

/// <summary>
/// The Open Graph image of a shared result, 1200 × 630 (the size link previews ask for): the scream's
/// waveform, and under it a meter filled to its score out of 100, in the site's colours. The words (the
/// score and its tier) are in <c>og:title</c> beside it, so no font is drawn. Written as a PNG directly:
/// 8-bit RGB, rows without a filter, deflated with zlib, each chunk with its CRC-32.
/// </summary>
public static class ShareCard
{
    public const int Width = 1200;
    public const int Height = 630;

    private const int Margin = 60;
    private const int WaveCentre = 270;
    private const int WaveHalfHeight = 200;
    private const int MeterTop = 520;
    private const int MeterBottom = 560;

    private static readonly Rgb Paper = new(0xfb, 0xf8, 0xf3);
    private static readonly Rgb Ink = new(0x1d, 0x1b, 0x26);
    private static readonly Rgb Accent = new(0xb4, 0x2a, 0x25);
    private static readonly Rgb Line = new(0xe4, 0xde, 0xd5);

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a];

    /// <param name="envelope">Min and max per bucket, interleaved, in [-1, 1], as stored with the scream.</param>
    /// <param name="score">The score, 0 to 100.</param>
    public static byte[] Render(IReadOnlyList<float>? envelope, decimal score)
    {
        var stride = 1 + (Width * 3); // each row starts with its filter type, 0
        var pixels = new byte[Height * stride];
        Fill(pixels, stride, 0, 0, Width, Height, Paper);

        var buckets = (envelope?.Count ?? 0) / 2;
        var span = Width - (2 * Margin);
        for (var x = 0; x < span && buckets > 0; x++)
        {
            var bucket = x * buckets / span;
            var low = Math.Clamp(envelope![2 * bucket], -1f, 1f);
            var high = Math.Clamp(envelope[(2 * bucket) + 1], -1f, 1f);
            var top = WaveCentre - (int)MathF.Round(high * WaveHalfHeight);
            var bottom = WaveCentre - (int)MathF.Round(low * WaveHalfHeight);
            Fill(pixels, stride, Margin + x, top, Margin + x + 1, Math.Max(bottom, top + 1) + 1, Ink);
        }

        Fill(pixels, stride, Margin, MeterTop, Width - Margin, MeterBottom, Line);
        var filled = (int)Math.Round(span * Math.Clamp(score, 0m, 100m) / 100m);
        Fill(pixels, stride, Margin, MeterTop, Margin + filled, MeterBottom, Accent);

        using var png = new MemoryStream();
        png.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], Height);
        header[8] = 8;  // bits per channel
        header[9] = 2;  // colour type: RGB
        header[10] = 0; // deflate
        header[11] = 0; // adaptive filtering, each row saying its filter
        header[12] = 0; // no interlace
        WriteChunk(png, "IHDR"u8, header);
        using (var deflated = new MemoryStream())
        {
            using (var zlib = new ZLibStream(deflated, CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(pixels);
            }

            WriteChunk(png, "IDAT"u8, deflated.GetBuffer().AsSpan(0, (int)deflated.Length));
        }

        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private static void Fill(byte[] pixels, int stride, int left, int top, int right, int bottom, Rgb colour)
    {
        for (var y = Math.Max(top, 0); y < Math.Min(bottom, Height); y++)
        {
            for (var x = Math.Max(left, 0); x < Math.Min(right, Width); x++)
            {
                var at = (y * stride) + 1 + (x * 3);
                pixels[at] = colour.R;
                pixels[at + 1] = colour.G;
                pixels[at + 2] = colour.B;
            }
        }
    }

    private static void WriteChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        png.Write(type);
        png.Write(data);
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
        png.Write(word);
    }

    private readonly record struct Rgb(byte R, byte G, byte B);
}
