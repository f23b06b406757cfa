namespace Kisei.Whisper;

/// <summary>What decoding one 30 s window produced.</summary>
/// <param name="NoSpeechProbability">Softmax of the unfiltered logits at the start-of-transcript position, at the no-speech token.</param>
/// <param name="LogProbabilitySum">Sum of the log-probabilities of the sampled tokens (end-of-text included when sampled).</param>
/// <param name="SampledTokens">Tokens sampled, end-of-text included when sampled.</param>
internal readonly record struct WindowDecoding(double NoSpeechProbability, double LogProbabilitySum, int SampledTokens);

/// <summary>
/// Greedy decoding at temperature 0 with whisper.cpp's default filters: every special and timestamp token is
/// suppressed at every step (only end-of-text can follow the text tokens), and the blank (a lone space) and
/// end-of-text are suppressed on the first step. The non-speech symbol list is not suppressed. Decoding stops at
/// end-of-text or after n_text_ctx/2 − 4 sampled tokens, like whisper.cpp (which then gives up on the window
/// without trying a higher temperature here, because temperature fallback is off).
/// </summary>
internal sealed unsafe class GreedyDecoder(Decoder decoder, Vocabulary vocabulary, int maxSteps)
{

    /// <summary>
    /// Decodes one window whose cross-attention is ready (<see cref="Decoder.BeginWindow"/>), appending the text
    /// tokens (not the prompt, not end-of-text) to <paramref name="tokens"/>.
    /// </summary>
    public WindowDecoding Decode(ReadOnlySpan<int> prompt, List<int> tokens, CancellationToken cancellationToken)
    {
        if (prompt.Length is < 1 or > Decoder.MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(prompt), $"The prompt must have 1 to {Decoder.MaxBatch} tokens.");
        }

        decoder.Forward(prompt, 0);
        var noSpeech = NoSpeechProbability(decoder.FirstLogits);
        var sum = 0.0;
        var sampled = 0;
        var last = decoder.LastLogits;
        for (var step = 0; step < maxSteps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (token, logProbability) = Sample(last, first: step == 0);
            sum += logProbability;
            sampled++;
            if (token == vocabulary.EndOfText || step == maxSteps - 1)
            {
                if (token != vocabulary.EndOfText)
                {
                    tokens.Add(token);
                }

                break;
            }

            tokens.Add(token);
            decoder.Forward([token], prompt.Length + step);
            last = decoder.LastLogits;
        }

        return new WindowDecoding(noSpeech, sum, sampled);
    }

    /// <summary>Softmax of the start-of-transcript row (row 0), read at the no-speech token.</summary>
    private double NoSpeechProbability(float* logits)
    {
        var (_, max) = TensorOps.ArgMax(logits, vocabulary.Size);
        return Math.Exp(logits[vocabulary.NoSpeech] - max) / TensorOps.SumOfExponentials(logits, vocabulary.Size, max);
    }

    /// <summary>
    /// The most likely allowed token and its log-probability under the filtered distribution (the suppressed
    /// tokens excluded), which is what whisper.cpp averages into avg_logprobs.
    /// </summary>
    private (int Token, double LogProbability) Sample(float* logits, bool first)
    {
        // Only text tokens and end-of-text survive the filters, and they come first: every later id is special.
        var allowed = first ? vocabulary.EndOfText : vocabulary.EndOfText + 1;
        if (first && vocabulary.Blank is { } blank)
        {
            logits[blank] = float.NegativeInfinity;
        }

        var (best, max) = TensorOps.ArgMax(logits, allowed);
        return (best, -Math.Log(TensorOps.SumOfExponentials(logits, allowed, max)));
    }
}
