using System.Globalization;
using System.Text;

namespace Kisei.Web.Pages.Screams;

/// <summary>SVG geometry for the result page: the 0–100 gauge and the waveform/RMS plot.</summary>
public static class ScreamPlots
{
    public const int PlotWidth = 600;
    public const int PlotHeight = 160;

    /// <summary>The path of a semicircular arc from 0 to <paramref name="score"/> on a gauge of radius 90 centred at (100, 100).</summary>
    public static string GaugeArc(decimal score)
    {
        var fraction = Math.Clamp((double)score / 100.0, 0.0, 1.0);
        var angle = Math.PI * (1.0 - fraction);
        var x = 100.0 + (90.0 * Math.Cos(angle));
        var y = 100.0 - (90.0 * Math.Sin(angle));
        return string.Create(CultureInfo.InvariantCulture, $"M 10 100 A 90 90 0 0 1 {x:0.##} {y:0.##}");
    }

    /// <summary>A closed polygon: the maxima left to right, then the minima right to left.</summary>
    public static string EnvelopePath(float[] interleavedMinMax)
    {
        ArgumentNullException.ThrowIfNull(interleavedMinMax);
        var count = interleavedMinMax.Length / 2;
        if (count == 0)
        {
            return string.Empty;
        }

        var builder = new StringBuilder("M");
        for (var i = 0; i < count; i++)
        {
            AppendPoint(builder, X(i, count), Y(interleavedMinMax[(2 * i) + 1]));
        }

        for (var i = count - 1; i >= 0; i--)
        {
            AppendPoint(builder, X(i, count), Y(interleavedMinMax[2 * i]));
        }

        builder.Append('Z');
        return builder.ToString();
    }

    /// <summary>The frame RMS as a polyline on the same axes (RMS of a full-scale sine is 0.707).</summary>
    public static string RmsPoints(float[] frameRms)
    {
        ArgumentNullException.ThrowIfNull(frameRms);
        var builder = new StringBuilder();
        for (var i = 0; i < frameRms.Length; i++)
        {
            AppendPoint(builder, X(i, frameRms.Length), Y(frameRms[i]));
        }

        return builder.ToString().TrimEnd();
    }

    private static double X(int index, int count) => count <= 1 ? 0 : (double)index * PlotWidth / (count - 1);

    /// <summary>Amplitude +1 at the top, −1 at the bottom.</summary>
    private static double Y(float amplitude) => (PlotHeight / 2.0) * (1.0 - Math.Clamp(amplitude, -1f, 1f));

    private static void AppendPoint(StringBuilder builder, double x, double y) =>
        builder.Append(CultureInfo.InvariantCulture, $"{x:0.#},{y:0.#} ");
}
