using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Kisei.Web.Tests.Pages;

/// <summary>
/// Reads the PNGs Kisei writes (8-bit RGB, no interlace, rows filtered "none"), checking the signature
/// and every chunk's CRC-32, so a test can look at pixels.
/// </summary>
internal sealed class PngFile
{
    private readonly byte[] rows;

    private PngFile(int width, int height, byte[] rows)
    {
        Width = width;
        Height = height;
        this.rows = rows;
    }

    public int Width { get; }

    public int Height { get; }

    public (byte R, byte G, byte B) Pixel(int x, int y)
    {
        var at = (y * (1 + (Width * 3))) + 1 + (x * 3);
        return (rows[at], rows[at + 1], rows[at + 2]);
    }

    public static PngFile Read(byte[] png)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a], png[..8]);
        int width = 0, height = 0;
        using var data = new MemoryStream();
        for (var at = 8; at < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            var body = png.AsSpan(at + 8, length);
            Assert.Equal(Crc32.HashToUInt32(png.AsSpan(at + 4, 4 + length)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length)));
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                Assert.Equal([8, 2, 0, 0, 0], body[8..13].ToArray()); // 8-bit RGB, deflate, no interlace
            }
            else if (type == "IDAT")
            {
                data.Write(body);
            }

            at += 12 + length;
        }

        data.Position = 0;
        using var zlib = new ZLibStream(data, CompressionMode.Decompress);
        var rows = new byte[height * (1 + (width * 3))];
        zlib.ReadExactly(rows);
        for (var y = 0; y < height; y++)
        {
            Assert.Equal(0, rows[y * (1 + (width * 3))]); // filter "none"
        }

        return new PngFile(width, height, rows);
    }
}
