using System.Text.Json;
using Kisei.Web.Cli;
using Kisei.Web.Tests.Audio;
using Kisei.Web.Tests.Infrastructure;
using Npgsql;

namespace Kisei.Web.Tests.Cli;

public sealed class CommandLineTests(PostgresServerFixture server) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("kisei-cli-").FullName;

    private static readonly string[] ScoreKeys =
        ["durationSeconds", "sampleRateHz", "channels", "meanRms", "loudness", "speechCharacters", "speechFactor", "score", "recognizer", "transcript"];

    public static TheoryData<string, int, int> Layouts()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var layout in WavLayout.All)
        {
            data.Add(layout.ToString(), 44_100, 2);
        }

        data.Add(WavLayout.Pcm16.ToString(), 8_000, 1);
        data.Add(WavLayout.Pcm24.ToString(), 96_000, 6);
        return data;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task Score_json_gives_the_original_loudness_for_every_layout(string layoutName, int sampleRateHz, int channels)
    {
        var layout = WavLayout.All.Single(l => l.ToString() == layoutName);
        var wav = TestClips.Scream(seconds: 1.3, sampleRateHz: sampleRateHz, channels: channels, amplitude: 0.6, layout: layout);
        var path = await WriteTempAsync(wav);

        var (exit, output, error) = await RunAsync("score", path, "--json");

        Assert.Equal(0, exit);
        Assert.Empty(error);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(ScoreKeys, json.EnumerateObject().Select(p => p.Name));
        var reference = LoudnessMeterTests.Naive(Kisei.Web.Audio.WavReader.Read(wav).Mono.Select(x => (double)x).ToArray());
        Assert.Equal(reference.Loudness, json.GetProperty("loudness").GetDouble(), 1e-4);
        Assert.Equal(reference.MeanRms, json.GetProperty("meanRms").GetDouble(), 1e-4);
        Assert.Equal(1.3, json.GetProperty("durationSeconds").GetDouble(), 4);
        Assert.Equal(sampleRateHz, json.GetProperty("sampleRateHz").GetInt32());
        Assert.Equal(channels, json.GetProperty("channels").GetInt32());
        Assert.Equal("syllables", json.GetProperty("recognizer").GetString());
    }

    [Fact]
    public async Task Score_without_json_prints_a_summary_line()
    {
        var path = await WriteTempAsync(TestClips.Scream());

        var (exit, output, _) = await RunAsync("score", path);

        Assert.Equal(0, exit);
        Assert.StartsWith("score ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("random bytes")]
    [InlineData("")]
    public async Task A_bad_file_prints_one_line_on_stderr_and_exits_non_zero(string content)
    {
        var path = await WriteTempAsync(System.Text.Encoding.ASCII.GetBytes(content));

        var (exit, output, error) = await RunAsync("score", path, "--json");

        Assert.NotEqual(0, exit);
        Assert.Empty(output);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("kisei score: ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("score")]
    [InlineData("score", "/no/such/file.wav")]
    [InlineData("score", "a.wav", "--bogus")]
    [InlineData("score", "a.wav", "--model")]
    [InlineData("frobnicate")]
    public async Task A_bad_argument_prints_one_line_on_stderr_and_exits_2(params string[] args)
    {
        var (exit, _, error) = await RunAsync(args);

        Assert.Equal(CommandLine.UsageError, exit);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Migrate_applies_the_schema_to_the_configured_database()
    {
        await using var database = await server.CreateEmptyDatabaseAsync("cli", TestContext.Current.CancellationToken);

        var (exit, output, error) = await RunAsync("migrate", $"--ConnectionStrings:Postgres={database.ConnectionString}");
        var (again, secondOutput, _) = await RunAsync("migrate", $"--ConnectionStrings:Postgres={database.ConnectionString}");

        Assert.Equal(0, exit);
        Assert.Empty(error);
        Assert.Contains("_InitialSchema", output, StringComparison.Ordinal);
        Assert.Equal(0, again);
        Assert.Equal("The schema is up to date.", secondOutput.Trim());
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM screams", connection);
        Assert.Equal(0L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CommandLine.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private async Task<string> WriteTempAsync(byte[] bytes)
    {
        var path = Path.Combine(folder, $"{Guid.NewGuid():N}.wav");
        await File.WriteAllBytesAsync(path, bytes, TestContext.Current.CancellationToken);
        return path;
    }
}
