using Kisei.Web.Speech.Models;
using Microsoft.AspNetCore.Http;

namespace Kisei.Web.Tests.Speech.Models;

public sealed class ModelDownloaderTests
{
    private static Task Serve(HttpContext context, byte[] payload) => LocalFileServer.ServeAsync(context, payload);

    [Fact]
    public async Task Progress_is_reported_several_times_rising_to_the_total()
    {
        await using var rig = await DownloadRig.StartAsync(256 * 1024, (context, _, payload) => Serve(context, payload));
        var progress = new RecordingProgress();

        await rig.DownloadAsync(progress);

        var reports = progress.Reports;
        Assert.True(reports.Count >= 5, $"only {reports.Count} progress reports");
        Assert.All(reports.Zip(reports.Skip(1)), pair => Assert.True(pair.Second.BytesReceived >= pair.First.BytesReceived));
        Assert.All(reports, report => Assert.Equal(rig.Payload.Length, report.TotalBytes));
        Assert.Equal(rig.Payload.Length, reports[^1].BytesReceived);
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.True(reports[^1].BytesPerSecond > 0);
        Assert.Equal(rig.Payload, await File.ReadAllBytesAsync(rig.FinalPath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_cut_connection_resumes_with_a_range_request_and_the_file_is_whole()
    {
        const int cutAfterBytes = 40_000;
        await using var rig = await DownloadRig.StartAsync(100_000, (context, number, payload) =>
            LocalFileServer.ServeAsync(context, payload, new FileBehaviour { DropAfterBytes = number == 1 ? cutAfterBytes : null }));

        var path = await rig.DownloadAsync();

        Assert.Equal(rig.FinalPath, path);
        Assert.Equal(["", $"bytes={cutAfterBytes}-"], rig.Server.Requests.Select(request => request.Range));
        Assert.Equal(rig.Payload, await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken));
        Assert.False(File.Exists(rig.PartPath));
        Assert.Single(rig.Delays);
    }

    [Fact]
    public async Task A_reset_connection_is_resumed_from_whatever_reached_the_disk()
    {
        const int resetAfterBytes = 40_000;
        await using var rig = await DownloadRig.StartAsync(100_000, (context, number, payload) =>
            LocalFileServer.ServeAsync(context, payload, new FileBehaviour { ResetAfterBytes = number == 1 ? resetAfterBytes : null }));

        await rig.DownloadAsync();

        var ranges = rig.Server.Requests.Select(request => request.Range).ToList();
        Assert.Equal(2, ranges.Count);
        // How much survives a reset depends on timing; whatever did must be resumed, not fetched again.
        if (ranges[1].Length > 0)
        {
            var resumedAt = long.Parse(ranges[1]["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(resumedAt, 1, resetAfterBytes);
        }

        Assert.Equal(rig.Payload, await File.ReadAllBytesAsync(rig.FinalPath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_partial_file_left_by_an_earlier_run_is_resumed()
    {
        await using var rig = await DownloadRig.StartAsync(100_000, (context, _, payload) => Serve(context, payload));
        Directory.CreateDirectory(rig.Store.ModelDirectory);
        await File.WriteAllBytesAsync(rig.PartPath, rig.Payload[..30_000], TestContext.Current.CancellationToken);
        var progress = new RecordingProgress();

        await rig.DownloadAsync(progress);

        var request = Assert.Single(rig.Server.Requests);
        Assert.Equal("bytes=30000-", request.Range);
        Assert.Equal(30_000, progress.Reports[0].BytesReceived);
        Assert.Equal(rig.Payload, await File.ReadAllBytesAsync(rig.FinalPath, TestContext.Current.CancellationToken));
        Assert.False(File.Exists(rig.PartPath));
    }

    [Fact]
    public async Task A_server_that_ignores_the_range_is_downloaded_again_from_the_start()
    {
        await using var rig = await DownloadRig.StartAsync(50_000, (context, _, payload) =>
            LocalFileServer.ServeAsync(context, payload, new FileBehaviour { HonourRange = false }));
        Directory.CreateDirectory(rig.Store.ModelDirectory);
        await File.WriteAllBytesAsync(rig.PartPath, rig.Payload[..20_000], TestContext.Current.CancellationToken);

        await rig.DownloadAsync();

        Assert.Equal("bytes=20000-", Assert.Single(rig.Server.Requests).Range);
        Assert.Equal(rig.Payload, await File.ReadAllBytesAsync(rig.FinalPath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_whole_partial_file_answered_with_416_is_checked_and_moved_into_place()
    {
        await using var rig = await DownloadRig.StartAsync(10_000, (context, _, payload) => Serve(context, payload));
        Directory.CreateDirectory(rig.Store.ModelDirectory);
        await File.WriteAllBytesAsync(rig.PartPath, rig.Payload, TestContext.Current.CancellationToken);
        // Without a known size the downloader must ask the server, which answers 416 for a whole file.
        var model = rig.Model with { SizeBytes = null };

        await rig.DownloadAsync(model: model);

        Assert.Equal("bytes=10000-", Assert.Single(rig.Server.Requests).Range);
        Assert.Equal(rig.Payload, await File.ReadAllBytesAsync(rig.FinalPath, TestContext.Current.CancellationToken));
        Assert.False(File.Exists(rig.PartPath));
    }

    [Fact]
    public async Task A_checksum_mismatch_is_refused_and_leaves_nothing_behind()
    {
        await using var rig = await DownloadRig.StartAsync(30_000, (context, _, payload) => Serve(context, payload));
        var wrong = rig.Model with { Sha256 = new string('0', 64) };

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => rig.DownloadAsync(model: wrong));

        Assert.Equal(ModelDownloadFailure.ChecksumMismatch, error.Failure);
        Assert.Contains("SHA-256", error.Message, StringComparison.Ordinal);
        Assert.Contains(rig.Model.Sha256, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(rig.FinalPath));
        Assert.False(File.Exists(rig.PartPath));
    }

    [Fact]
    public async Task A_checksum_mismatch_never_replaces_a_model_already_in_place()
    {
        await using var rig = await DownloadRig.StartAsync(30_000, (context, _, payload) => Serve(context, payload));
        Directory.CreateDirectory(rig.Store.ModelDirectory);
        await File.WriteAllTextAsync(rig.FinalPath, "the previous model", TestContext.Current.CancellationToken);
        var wrong = rig.Model with { Sha256 = new string('a', 64) };

        await Assert.ThrowsAsync<ModelDownloadException>(() => rig.DownloadAsync(model: wrong));

        Assert.Equal("the previous model", await File.ReadAllTextAsync(rig.FinalPath, TestContext.Current.CancellationToken));
        Assert.False(File.Exists(rig.PartPath));
    }

    [Fact]
    public async Task A_file_of_the_wrong_size_is_refused_before_it_is_downloaded()
    {
        await using var rig = await DownloadRig.StartAsync(30_000, (context, _, payload) => Serve(context, payload));
        var expectsMore = rig.Model with { SizeBytes = 1_000_000 };

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => rig.DownloadAsync(model: expectsMore));

        Assert.Equal(ModelDownloadFailure.ChecksumMismatch, error.Failure);
        Assert.Contains("30000 bytes", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(rig.FinalPath));
        Assert.False(File.Exists(rig.PartPath));
    }

    [Fact]
    public async Task A_body_longer_than_the_model_is_cut_off_and_refused()
    {
        // The server does not say how long the body is, so only the byte count can catch it.
        await using var rig = await DownloadRig.StartAsync(30_000, (context, _, payload) =>
            LocalFileServer.ServeAsync(context, payload, new FileBehaviour { OmitLength = true }));
        var shorter = rig.Model with { SizeBytes = 10_000 };

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => rig.DownloadAsync(model: shorter));

        Assert.Equal(ModelDownloadFailure.ChecksumMismatch, error.Failure);
        Assert.False(File.Exists(rig.FinalPath));
        Assert.False(File.Exists(rig.PartPath));
    }

    [Fact]
    public async Task A_missing_file_gives_a_clear_not_found_error_and_leaves_nothing_behind()
    {
        await using var rig = await DownloadRig.StartAsync(1_000, (context, _, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => rig.DownloadAsync());

        Assert.Equal(ModelDownloadFailure.NotFound, error.Failure);
        Assert.Contains("404", error.Message, StringComparison.Ordinal);
        Assert.Contains(rig.Downloader.UriFor(rig.Model).ToString(), error.Message, StringComparison.Ordinal);
        Assert.Single(rig.Server.Requests);
        Assert.Empty(rig.Delays);
        Assert.False(File.Exists(rig.FinalPath));
        Assert.False(File.Exists(rig.PartPath));
    }

    [Fact]
    public async Task When_retries_run_out_the_partial_file_is_kept_for_later_and_the_model_path_stays_empty()
    {
        const int cutAfterBytes = 12_000;
        await using var rig = await DownloadRig.StartAsync(50_000, (context, number, payload) =>
        {
            if (number == 1)
                return LocalFileServer.ServeAsync(context, payload, new FileBehaviour { DropAfterBytes = cutAfterBytes });
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        }, new DownloadRetryPolicy { MaxAttempts = 4, FirstRetryDelay = TimeSpan.FromSeconds(1) });

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => rig.DownloadAsync());

        Assert.Equal(ModelDownloadFailure.Network, error.Failure);
        Assert.Contains("503", error.Message, StringComparison.Ordinal);
        Assert.Contains(rig.PartPath, error.Message, StringComparison.Ordinal);
        // The count of failures in a row starts again at the cut request, which received bytes.
        Assert.Equal(4, rig.Server.Requests.Count);
        Assert.Equal([1.0, 2.0, 4.0], rig.Delays.Select(delay => delay.TotalSeconds));
        Assert.False(File.Exists(rig.FinalPath));
        Assert.Equal(rig.Payload[..cutAfterBytes], await File.ReadAllBytesAsync(rig.PartPath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_server_error_is_retried_until_the_file_arrives()
    {
        await using var rig = await DownloadRig.StartAsync(20_000, (context, number, payload) =>
        {
            if (number <= 2)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            }

            return Serve(context, payload);
        });

        await rig.DownloadAsync();

        Assert.Equal(3, rig.Server.Requests.Count);
        Assert.Equal([2.0, 4.0], rig.Delays.Select(delay => delay.TotalSeconds));
        Assert.Equal(rig.Payload, await File.ReadAllBytesAsync(rig.FinalPath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Redirects_are_followed_and_a_resume_survives_them()
    {
        await using var rig = await DownloadRig.StartAsync(60_000, (context, _, payload) =>
        {
            if (context.Request.Path.StartsWithSegments("/files", StringComparison.Ordinal))
            {
                context.Response.Redirect("/cdn" + context.Request.Path.Value!["/files".Length..]);
                return Task.CompletedTask;
            }

            return Serve(context, payload);
        });
        Directory.CreateDirectory(rig.Store.ModelDirectory);
        await File.WriteAllBytesAsync(rig.PartPath, rig.Payload[..25_000], TestContext.Current.CancellationToken);

        await rig.DownloadAsync();

        Assert.Equal(
            [new SeenRequest("/files/ggml-synthetic.bin", "bytes=25000-"), new SeenRequest("/cdn/ggml-synthetic.bin", "bytes=25000-")],
            rig.Server.Requests);
        Assert.Equal(rig.Payload, await File.ReadAllBytesAsync(rig.FinalPath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_stalled_connection_times_out_and_resumes()
    {
        const int stallAfterBytes = 8_192;
        await using var rig = await DownloadRig.StartAsync(30_000, (context, number, payload) =>
            LocalFileServer.ServeAsync(context, payload, new FileBehaviour { StallAfterBytes = number == 1 ? stallAfterBytes : null }),
            new DownloadRetryPolicy { IdleTimeout = TimeSpan.FromSeconds(1) });

        await rig.DownloadAsync();

        // A loaded machine may time out a healthy read too; the stall must be resumed all the same.
        Assert.Equal(["", $"bytes={stallAfterBytes}-"], rig.Server.Requests.Select(request => request.Range).Take(2));
        Assert.Equal(rig.Payload, await File.ReadAllBytesAsync(rig.FinalPath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Cancelling_keeps_the_partial_file_and_leaves_the_model_path_empty()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        await using var rig = await DownloadRig.StartAsync(30_000, (context, _, payload) =>
            LocalFileServer.ServeAsync(context, payload, new FileBehaviour { StallAfterBytes = 10_000 }));
        var progress = new CancellingProgress(cancel, atBytes: 10_000);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rig.Downloader.DownloadAsync(rig.Model, rig.FinalPath, progress, cancel.Token));

        Assert.False(File.Exists(rig.FinalPath));
        Assert.Equal(10_000, new FileInfo(rig.PartPath).Length);
    }

    [Fact]
    public async Task Pull_skips_a_model_that_is_already_in_place()
    {
        await using var rig = await DownloadRig.StartAsync(5_000, (context, _, payload) => Serve(context, payload));
        Directory.CreateDirectory(rig.Store.ModelDirectory);
        await File.WriteAllBytesAsync(rig.FinalPath, rig.Payload, TestContext.Current.CancellationToken);

        var path = await rig.Downloader.PullAsync(rig.Model, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(rig.FinalPath, path);
        Assert.Empty(rig.Server.Requests);
        Assert.Equal(ModelDownloadState.Ready, rig.Store.DownloadStatus.State);
    }

    [Fact]
    public async Task Pull_replaces_a_model_file_of_the_wrong_size()
    {
        await using var rig = await DownloadRig.StartAsync(5_000, (context, _, payload) => Serve(context, payload));
        Directory.CreateDirectory(rig.Store.ModelDirectory);
        await File.WriteAllBytesAsync(rig.FinalPath, rig.Payload[..100], TestContext.Current.CancellationToken);

        await rig.Downloader.PullAsync(rig.Model, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Single(rig.Server.Requests);
        Assert.Equal(rig.Payload, await File.ReadAllBytesAsync(rig.FinalPath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Pull_shows_progress_in_the_store_and_ends_ready()
    {
        var states = new List<ModelDownloadStatus>();
        await using var rig = await DownloadRig.StartAsync(64 * 1024, (context, _, payload) => Serve(context, payload));
        var watcher = new StoreWatcher(rig.Store, states);

        await rig.Downloader.PullAsync(rig.Model, watcher, TestContext.Current.CancellationToken);

        Assert.Contains(states, status => status.State == ModelDownloadState.Downloading && status.BytesReceived > 0
            && status.BytesReceived < rig.Payload.Length && status.TotalBytes == rig.Payload.Length);
        var final = rig.Store.DownloadStatus;
        Assert.Equal(ModelDownloadState.Ready, final.State);
        Assert.Equal("synthetic", final.Model);
        Assert.Equal(rig.Payload.Length, final.BytesReceived);
        Assert.Null(final.Error);
    }

    [Fact]
    public async Task A_failed_pull_shows_the_error_in_the_store()
    {
        await using var rig = await DownloadRig.StartAsync(1_000, (context, _, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() =>
            rig.Downloader.PullAsync(rig.Model, cancellationToken: TestContext.Current.CancellationToken));

        var status = rig.Store.DownloadStatus;
        Assert.Equal(ModelDownloadState.Failed, status.State);
        Assert.Equal(error.Message, status.Error);
    }

    [Fact]
    public async Task Pulling_with_progress_lines_prints_progress_and_where_the_model_went()
    {
        await using var rig = await DownloadRig.StartAsync(200_000, (context, _, payload) => Serve(context, payload));
        using var output = new StringWriter();

        var path = await rig.Downloader.PullWithProgressLinesAsync(rig.Model, output, TestContext.Current.CancellationToken);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("Downloading ggml-synthetic.bin from ", lines[0], StringComparison.Ordinal);
        Assert.True(lines.Count(line => line.StartsWith("ggml-synthetic.bin: ", StringComparison.Ordinal)) >= 3, output.ToString());
        Assert.Contains("0.2 of 0.2 MB (100", lines[^2], StringComparison.Ordinal);
        Assert.Equal($"Saved synthetic to {path} (SHA-256 checked)", lines[^1]);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task Pulling_an_unknown_name_lists_the_known_ones()
    {
        await using var rig = await DownloadRig.StartAsync(1_000, (context, _, payload) => Serve(context, payload));

        var error = await Assert.ThrowsAsync<UnknownModelException>(() =>
            rig.Downloader.PullWithProgressLinesAsync("huge", TextWriter.Null, TestContext.Current.CancellationToken));

        Assert.Contains("tiny, tiny-q5_1, tiny-q8_0", error.Message, StringComparison.Ordinal);
        Assert.Empty(rig.Server.Requests);
    }

    [Fact]
    public async Task The_file_name_is_appended_to_a_base_url_with_or_without_a_slash()
    {
        await using var rig = await DownloadRig.StartAsync(1_000, (context, _, payload) => Serve(context, payload));

        rig.Options.DownloadBaseUrl = "https://example.test/repo/resolve/main";
        var withoutSlash = rig.Downloader.UriFor(rig.Model);
        rig.Options.DownloadBaseUrl = "https://example.test/repo/resolve/main/";
        var withSlash = rig.Downloader.UriFor(rig.Model);

        Assert.Equal("https://example.test/repo/resolve/main/ggml-synthetic.bin", withoutSlash.ToString());
        Assert.Equal(withoutSlash, withSlash);
    }

    /// <summary>Cancels the download once the partial file holds a given number of bytes.</summary>
    private sealed class CancellingProgress(CancellationTokenSource cancel, long atBytes) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value)
        {
            if (value.BytesReceived >= atBytes)
                cancel.Cancel();
        }
    }

    /// <summary>Records the store's status each time progress is reported.</summary>
    private sealed class StoreWatcher(ModelStore store, List<ModelDownloadStatus> states) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => states.Add(store.DownloadStatus);
    }
}
