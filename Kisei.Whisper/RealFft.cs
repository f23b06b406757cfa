using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Kisei.Whisper;

/// <summary>
/// Power spectra of real frames of an even length N, eight frames at a time (one per vector lane). The frame is
/// folded into N/2 complex points (even samples real, odd imaginary), transformed by a Stockham autosort FFT
/// with mixed radices (4, 2, 3, 5, then any prime), and unfolded into the N/2 + 1 bins of the real spectrum.
/// Whisper's N = 400 gives 200 = 4·2·5·5.
/// </summary>
internal sealed class RealFft
{
    private readonly int _half;
    private readonly int[] _radices;
    private readonly float[][] _twiddleRe;
    private readonly float[][] _twiddleIm;
    private readonly float[][] _rootRe;
    private readonly float[][] _rootIm;
    private readonly float[] _unfoldRe;
    private readonly float[] _unfoldIm;
    private readonly Vector256<float>[] _re0;
    private readonly Vector256<float>[] _im0;
    private readonly Vector256<float>[] _re1;
    private readonly Vector256<float>[] _im1;

    public RealFft(int length)
    {
        if (length < 2 || length % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "The frame length must be even and at least 2.");
        }

        Length = length;
        _half = length / 2;
        _radices = Factor(_half);
        _twiddleRe = new float[_radices.Length][];
        _twiddleIm = new float[_radices.Length][];
        _rootRe = new float[_radices.Length][];
        _rootIm = new float[_radices.Length][];
        var n = _half;
        for (var stage = 0; stage < _radices.Length; stage++)
        {
            // Stage twiddles w_n^(q·t) for q < n/p, t < p.
            var p = _radices[stage];
            var m = n / p;
            _twiddleRe[stage] = new float[m * p];
            _twiddleIm[stage] = new float[m * p];
            for (var q = 0; q < m; q++)
            {
                for (var t = 0; t < p; t++)
                {
                    var angle = -2.0 * Math.PI * q * t / n;
                    _twiddleRe[stage][(q * p) + t] = (float)Math.Cos(angle);
                    _twiddleIm[stage][(q * p) + t] = (float)Math.Sin(angle);
                }
            }

            // ω_p^r for r < p, exact for p = 2 and 4.
            _rootRe[stage] = new float[p];
            _rootIm[stage] = new float[p];
            for (var r = 0; r < p; r++)
            {
                (_rootRe[stage][r], _rootIm[stage][r]) = RootOfUnity(p, r);
            }

            n = m;
        }

        _unfoldRe = new float[_half + 1];
        _unfoldIm = new float[_half + 1];
        for (var k = 0; k <= _half; k++)
        {
            var angle = -2.0 * Math.PI * k / length;
            _unfoldRe[k] = (float)Math.Cos(angle);
            _unfoldIm[k] = (float)Math.Sin(angle);
        }

        _re0 = new Vector256<float>[_half];
        _im0 = new Vector256<float>[_half];
        _re1 = new Vector256<float>[_half];
        _im1 = new Vector256<float>[_half];
    }

    public int Length { get; }

    /// <summary>|X[k]|² for k in [0, N/2] of eight real frames, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PowerSpectrum(ReadOnlySpan<Vector256<float>> frames, Span<Vector256<float>> power)
    {
        if (frames.Length != Length || power.Length != _half + 1)
        {
            throw new ArgumentException($"Expected {Length} samples and {_half + 1} bins.");
        }

        for (var i = 0; i < _half; i++)
        {
            _re0[i] = frames[2 * i];
            _im0[i] = frames[(2 * i) + 1];
        }

        var (re, im) = Transform();
        var half = Vector256.Create(0.5f);
        for (var k = 0; k <= _half; k++)
        {
            // X[k] = E[k] + W^k·O[k], with E = (Z[k] + conj Z[N/2−k])/2 and O = (Z[k] − conj Z[N/2−k])/(2i).
            var a = k % _half;
            var b = (_half - k) % _half;
            var eRe = (re[a] + re[b]) * half;
            var eIm = (im[a] - im[b]) * half;
            var oRe = (im[a] + im[b]) * half;
            var oIm = (re[b] - re[a]) * half;
            var xRe = eRe + (oRe * _unfoldRe[k]) - (oIm * _unfoldIm[k]);
            var xIm = eIm + (oRe * _unfoldIm[k]) + (oIm * _unfoldRe[k]);
            power[k] = (xRe * xRe) + (xIm * xIm);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (Vector256<float>[] Re, Vector256<float>[] Im) Transform()
    {
        var (srcRe, srcIm, dstRe, dstIm) = (_re0, _im0, _re1, _im1);
        var n = _half;
        var s = 1;
        Span<Vector256<float>> aRe = stackalloc Vector256<float>[16];
        Span<Vector256<float>> aIm = stackalloc Vector256<float>[16];
        for (var stage = 0; stage < _radices.Length; stage++)
        {
            var p = _radices[stage];
            var m = n / p;
            var twRe = _twiddleRe[stage];
            var twIm = _twiddleIm[stage];
            var rootRe = _rootRe[stage];
            var rootIm = _rootIm[stage];
            for (var q = 0; q < m; q++)
            {
                for (var k = 0; k < s; k++)
                {
                    for (var j = 0; j < p; j++)
                    {
                        aRe[j] = srcRe[k + (s * (q + (m * j)))];
                        aIm[j] = srcIm[k + (s * (q + (m * j)))];
                    }

                    for (var t = 0; t < p; t++)
                    {
                        // y_t = w^(q·t) · Σ_j a_j·ω_p^(j·t), with ω_p = w_n^(n/p) read from the same table.
                        var sumRe = aRe[0];
                        var sumIm = aIm[0];
                        for (var j = 1; j < p; j++)
                        {
                            var r = j * t % p;
                            var cRe = rootRe[r];
                            var cIm = rootIm[r];
                            sumRe += (aRe[j] * cRe) - (aIm[j] * cIm);
                            sumIm += (aRe[j] * cIm) + (aIm[j] * cRe);
                        }

                        var wRe = twRe[(q * p) + t];
                        var wIm = twIm[(q * p) + t];
                        var index = k + (s * ((p * q) + t));
                        dstRe[index] = (sumRe * wRe) - (sumIm * wIm);
                        dstIm[index] = (sumRe * wIm) + (sumIm * wRe);
                    }
                }
            }

            (srcRe, srcIm, dstRe, dstIm) = (dstRe, dstIm, srcRe, srcIm);
            n = m;
            s *= p;
        }

        return (srcRe, srcIm);
    }

    private static (float Re, float Im) RootOfUnity(int p, int r) =>
        p switch
        {
            2 => r == 0 ? (1f, 0f) : (-1f, 0f),
            4 => r switch { 0 => (1f, 0f), 1 => (0f, -1f), 2 => (-1f, 0f), _ => (0f, 1f) },
            _ => ((float)Math.Cos(-2.0 * Math.PI * r / p), (float)Math.Sin(-2.0 * Math.PI * r / p)),
        };

    private static int[] Factor(int n)
    {
        var radices = new List<int>();
        foreach (var p in new[] { 4, 2, 3, 5 })
        {
            while (n % p == 0)
            {
                radices.Add(p);
                n /= p;
            }
        }

        for (var p = 7; n > 1; p += 2)
        {
            while (n % p == 0)
            {
                if (p > 16)
                {
                    throw new ArgumentOutOfRangeException(nameof(n), "Frame lengths with prime factors above 16 are not supported.");
                }

                radices.Add(p);
                n /= p;
            }
        }

        return [.. radices];
    }
}
