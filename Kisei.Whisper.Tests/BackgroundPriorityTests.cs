using System.Globalization;
using Kisei.Whisper;

namespace Kisei.Whisper.Tests;

/// <summary>
/// A background engine runs every transcription on threads of lowered priority (nice 10 on Linux), the
/// caller's share included, and decodes exactly what a normal one does.
/// </summary>
public sealed class BackgroundPriorityTests
{
    [Fact]
    public void A_background_engine_transcribes_as_a_normal_one_on_threads_of_nice_10()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Thread niceness is applied on Linux only.");
        var model = new SyntheticWhisperModel { FileType = 1, State = 64, AudioHeads = 2, TextHeads = 2, Seed = 11 };
        using var normal = new WhisperTranscriber(GgmlModel.Load(new MemoryStream(model.ToBytes())), threads: 2);
        using var background = new WhisperTranscriber(GgmlModel.Load(new MemoryStream(model.ToBytes())), threads: 2, background: true);
        var audio = new float[24_000];
        for (var i = 0; i < audio.Length; i++)
        {
            audio[i] = (float)(0.3 * Math.Sin(2 * Math.PI * 330 * i / 16000));
        }

        var expected = normal.Transcribe(audio, "ja", TestContext.Current.CancellationToken);
        var actual = background.Transcribe(audio, "ja", TestContext.Current.CancellationToken);

        Assert.True(background.Background);
        Assert.Equal(expected.Windows, actual.Windows, (a, b) => a.Tokens.SequenceEqual(b.Tokens) && a.Outcome == b.Outcome);
        Assert.NotEmpty(actual.Windows[0].Tokens);
        Assert.Equal(expected.AverageLogProbability, actual.AverageLogProbability);
        // The engine's threads: the driver that runs the caller's share, and one worker per extra thread.
        // The normal engine's worker is there too, at the process's own nice.
        var nice = ThreadNiceByName();
        Assert.All(nice["whisper-0"], value => Assert.Equal(10, value));
        Assert.Contains(10, nice["whisper-1"]);
        Assert.Contains(ProcessNice(), nice["whisper-1"]);
    }

    [Fact]
    public void A_failure_on_the_background_thread_reaches_the_caller()
    {
        var model = new SyntheticWhisperModel { FileType = 1, State = 32, AudioHeads = 1, TextHeads = 1, Seed = 3 };
        using var background = new WhisperTranscriber(GgmlModel.Load(new MemoryStream(model.ToBytes())), threads: 2, background: true);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => background.Transcribe(new float[16_000], "ja", cancelled.Token));
        Assert.NotEmpty(background.Transcribe(new float[16_000], "ja", TestContext.Current.CancellationToken).Windows);
    }

    /// <summary>The nice value of each of this process's threads, by thread name (Linux's /proc).</summary>
    private static Dictionary<string, List<int>> ThreadNiceByName()
    {
        var byName = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string name, stat;
            try
            {
                name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }

            // After "pid (comm) ", the fields run from the state (3rd) on; the nice value is the 19th.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var nice = int.Parse(fields[19 - 3], CultureInfo.InvariantCulture);
            if (!byName.TryGetValue(name, out var list))
            {
                byName[name] = list = [];
            }

            list.Add(nice);
        }

        return byName;
    }

    private static int ProcessNice()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19 - 3], CultureInfo.InvariantCulture);
    }
}
