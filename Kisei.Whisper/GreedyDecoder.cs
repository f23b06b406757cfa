namespace Kisei.Whisper;

/// <summary>How decoding one 30 s window ended.</summary>
public enum WindowOutcome
{
    /// <summary>End-of-text was sampled and the tokens passed whisper.cpp's entropy check.</summary>
    Completed,

    /// <summary>The step limit (n_text_ctx/2 − 4 tokens) was reached without end-of-text: whisper.cpp's "repetition loop".</summary>
    StepLimit,

    /// <summary>
    /// More than 32 tokens (end-of-text included) whose last 32 have an entropy below 2.4 nats: whisper.cpp's
    /// entropy_thold, a hallucination loop that did end.
    /// </summary>
    LowEntropy,
}

/// <summary>What decoding one 30 s window produced.</summary>
/// <param name="NoSpeechProbability">Softmax of the unfiltered logits at the start-of-transcript position, at the no-speech token.</param>
/// <param name="LogProbabilitySum">Sum of the log-probabilities of the sampled tokens (end-of-text included when sampled).</param>
/// <param name="SampledTokens">Tokens sampled, end-of-text included when sampled.</param>
/// <param name="Outcome">Whether the window completed or failed, and how.</param>
internal readonly record struct WindowDecoding(double NoSpeechProbability, double LogProbabilitySum, int SampledTokens, WindowOutcome Outcome);

/// <summary>
/// Greedy decoding at temperature 0 with whisper.cpp's default filters: every special and timestamp token is
/// suppressed at every step (only end-of-text can follow the text tokens), and the blank (a lone space) and
/// end-of-text are suppressed on the first step. The non-speech symbol list is not suppressed. Decoding stops at
/// end-of-text or after n_text_ctx/2 − 4 sampled tokens, like whisper.cpp, and applies its two failure rules
/// (whisper_full_with_state): reaching the step limit without end-of-text, and an entropy below 2.4 over the last
/// 32 tokens of a sequence longer than 32 (end-of-text counted).
/// </summary>
internal sealed unsafe class GreedyDecoder(Decoder decoder, Vocabulary vocabulary, int maxSteps)
{
    /// <summary>whisper.cpp's entropy_thold default.</summary>
    public const double EntropyThreshold = 2.4;

    /// <summary>The entropy is taken over this many last tokens, and only for longer sequences.</summary>
    public const int EntropyTokens = 32;

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

        var first = tokens.Count;
        decoder.Forward(prompt, 0);
        var noSpeech = NoSpeechProbability(decoder.FirstLogits);
        var sum = 0.0;
        var sampled = 0;
        var ended = false;
        var last = decoder.LastLogits;
        for (var step = 0; step < maxSteps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (token, logProbability) = Sample(last, first: step == 0);
            sum += logProbability;
            sampled++;
            if (token == vocabulary.EndOfText)
            {
                ended = true;
                break;
            }

            tokens.Add(token);
            if (step == maxSteps - 1)
            {
                break;
            }

            decoder.Forward([token], prompt.Length + step);
            last = decoder.LastLogits;
        }

        var outcome = !ended ? WindowOutcome.StepLimit
            : sampled > EntropyTokens && Entropy(tokens, first, vocabulary.EndOfText) < EntropyThreshold ? WindowOutcome.LowEntropy
            : WindowOutcome.Completed;
        return new WindowDecoding(noSpeech, sum, sampled, outcome);
    }

    /// <summary>
    /// The entropy (natural log) of the token frequencies among the last 32 tokens of a window that ended, the
    /// end-of-text token included, as whisper.cpp's whisper_sequence_score computes it.
    /// </summary>
    internal static double Entropy(List<int> tokens, int windowStart, int endOfText)
    {
        var counts = new Dictionary<int, int>(EntropyTokens) { [endOfText] = 1 };
        var from = Math.Max(windowStart, tokens.Count - (EntropyTokens - 1));
        for (var i = from; i < tokens.Count; i++)
        {
            counts[tokens[i]] = counts.GetValueOrDefault(tokens[i]) + 1;
        }

        var total = tokens.Count - from + 1.0;
        var entropy = 0.0;
        foreach (var count in counts.Values)
        {
            var p = count / total;
            entropy -= p * Math.Log(p);
        }

        return entropy;
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
