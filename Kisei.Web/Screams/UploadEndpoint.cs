using System.Globalization;
using System.Net;
using Kisei.Web.Accounts;
using Kisei.Web.Audio;
using Kisei.Web.Billing;
using Kisei.Web.Data;
using Kisei.Web.Metrics;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Screams;

/// <summary>
/// POST /screams: a WAV in the multipart field <c>audio</c>, from the recorder or the file form.
/// The order of the checks is the point: the declared size, the upload gate and the rate limit
/// before a byte of the body is read; then the body, under a size cap and a time limit, so that an
/// oversized body is a 413 and a stalled one a 408 whether it is chunked or not; antiforgery on the
/// form read that way; then the format from the bytes, then the duration. Only then is the scream
/// stored, with its audio and its place in the rate limit, in one transaction, and only after the
/// commit is the score run queued and the response sent.
/// </summary>
/// <remarks>
/// Memory: the form reader spills the file to a temporary file past 64 KB, so a body is held in
/// memory once, as the array that is checked and stored, and only by the few uploads the
/// <see cref="UploadGate"/> lets in at a time. The check decodes nothing it keeps
/// (<see cref="WavReader.Check"/>).
/// What is not checked: the client's file name and content type (display only, never trusted);
/// whether the audio is a scream at all (that is the score's job).
/// </remarks>
internal static class UploadEndpoint
{
    /// <summary>Room for the multipart boundaries, headers and the antiforgery field around the file.</summary>
    private const int MultipartAllowanceBytes = 64 * 1024;

    /// <summary>What a busy instance or player is told to wait, in seconds.</summary>
    private const int BusyRetryAfterSeconds = 5;

    public static RouteHandlerBuilder MapScreamUpload(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/screams", UploadAsync)
            .RequireAuthorization()
            .DisableAntiforgery(); // validated by hand below, after the size checks

    private static async Task<IResult> UploadAsync(
        HttpContext http,
        IAntiforgery antiforgery,
        KiseiDbContext db,
        UploadGate gate,
        UploadRateLimit rateLimit,
        ScoreDispatcher dispatcher,
        KiseiMetrics metrics,
        BillingPeriods periods,
        TimeProvider time,
        IOptions<ScreamOptions> options,
        IStringLocalizer<SharedResource> text,
        ILogger<Scream> logger,
        CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var playerId = http.User.GetPlayerId();
        var maxMegabytes = (limits.MaxUploadBytes / (1024.0 * 1024.0)).ToString("0.#", CultureInfo.InvariantCulture);
        IResult TooLarge() => Refuse(http, StatusCodes.Status413PayloadTooLarge, text["ファイルが大きすぎます（上限 {0} MB）。", maxMegabytes]);

        // 1. The size, from the header, before the body is touched.
        var bodyLimit = (long)limits.MaxUploadBytes + MultipartAllowanceBytes;
        if (http.Request.ContentLength > bodyLimit)
        {
            return TooLarge();
        }

        // 2. A place among the uploads this instance reads at once, then the rate limit, also before reading.
        using var slot = gate.TryEnter(playerId);
        switch (slot.Answer)
        {
            case UploadGateAnswer.PlayerBusy:
                return RefuseBusy(http, StatusCodes.Status429TooManyRequests, text["前の録音を送信中です。終わってからもう一度どうぞ。"]);
            case UploadGateAnswer.InstanceBusy:
                logger.LogWarning("Refused an upload from player {PlayerId}: {Limit} uploads are already being read", playerId, limits.MaxConcurrentUploads);
                return RefuseBusy(http, StatusCodes.Status503ServiceUnavailable, text["混み合っています。{0} 秒後にもう一度どうぞ。", BusyRetryAfterSeconds]);
        }

        if (await rateLimit.RetryAfterAsync(playerId, cancellationToken) is { } wait)
        {
            return RefuseRateLimited(http, wait, text);
        }

        if (!http.Request.HasFormContentType)
        {
            return Refuse(http, StatusCodes.Status415UnsupportedMediaType, text["WAV ファイルを multipart/form-data の audio フィールドで送ってください。"]);
        }

        // 3. The body, capped in size (chunked bodies have no Content-Length to refuse early) and in time.
        //    Read here, before antiforgery, so that a size or time error is not taken for a token error.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = bodyLimit;
        }

        IFormFile? file;
        using (var bodyTime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            bodyTime.CancelAfter(TimeSpan.FromSeconds(limits.BodyTimeoutSeconds));
            try
            {
                var form = await http.Request.ReadFormAsync(bodyTime.Token);
                file = form.Files["audio"];
            }
            catch (OperationCanceledException) when (bodyTime.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                logger.LogInformation("Cut off an upload from player {PlayerId}: its body took longer than {Seconds} s", playerId, limits.BodyTimeoutSeconds);
                return Refuse(http, StatusCodes.Status408RequestTimeout, text["送信が {0} 秒以内に終わりませんでした。もう一度どうぞ。", limits.BodyTimeoutSeconds]);
            }
            catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return TooLarge();
            }
            catch (BadHttpRequestException exception)
            {
                return Refuse(http, exception.StatusCode, text["フォームを読めません。ページを再読み込みして、もう一度送ってください。"]);
            }
            catch (InvalidDataException)
            {
                return Refuse(http, StatusCodes.Status400BadRequest, text["フォームを読めません。ページを再読み込みして、もう一度送ってください。"]);
            }
        }

        try
        {
            await antiforgery.ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            return Refuse(http, StatusCodes.Status400BadRequest, text["フォームの有効期限が切れました。ページを再読み込みしてください。"]);
        }

        if (file is null || file.Length == 0)
        {
            return Refuse(http, StatusCodes.Status400BadRequest, text["録音ファイルがありません（audio フィールドが空です）。"]);
        }

        if (file.Length > limits.MaxUploadBytes)
        {
            return TooLarge();
        }

        var wav = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(wav, cancellationToken);
        }

        // 4. The format, from the bytes. The samples are decoded by the score run, not here.
        WavHeader header;
        try
        {
            header = WavReader.Check(wav);
        }
        catch (WavFormatException exception)
        {
            var status = exception.Error is WavError.NotRiff or WavError.NotWave or WavError.UnsupportedEncoding or WavError.UnsupportedBitDepth
                ? StatusCodes.Status415UnsupportedMediaType
                : StatusCodes.Status400BadRequest;
            return Refuse(http, status, text["WAV ファイルとして読めません: {0}", text[WavErrorText.Key(exception.Error)]]);
        }

        // 5. The duration.
        if (header.DurationSeconds < limits.MinDurationSeconds || header.DurationSeconds > limits.MaxDurationSeconds)
        {
            return Refuse(
                http,
                StatusCodes.Status422UnprocessableEntity,
                text[
                    "録音の長さは {0} 秒から {1} 秒までです（この録音は {2} 秒）。",
                    limits.MinDurationSeconds.ToString(CultureInfo.InvariantCulture),
                    limits.MaxDurationSeconds.ToString(CultureInfo.InvariantCulture),
                    header.DurationSeconds.ToString("0.0#", CultureInfo.InvariantCulture)]);
        }

        // 6. Store the scream, its audio and its place in the rate limit in one transaction. The per-player
        //    advisory lock makes the rate limit exact when one player's uploads race, across replicas too.
        var now = time.GetUtcNow();
        var scream = new Scream
        {
            Id = Guid.CreateVersion7(now),
            PlayerId = playerId,
            CreatedAt = now,
            Period = periods.Of(now),
            Status = ScreamStatus.Pending,
            FileName = SafeFileName(file.FileName),
            ByteCount = wav.Length,
            SampleRateHz = header.Format.SampleRateHz,
            Channels = header.Format.Channels,
            DurationSeconds = header.DurationSeconds,
            Audio = new ScreamAudio { Wav = wav },
        };

        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(1, {(int)(playerId % int.MaxValue)})", cancellationToken);
            if (await rateLimit.RetryAfterAsync(playerId, cancellationToken) is { } raceWait)
            {
                return RefuseRateLimited(http, raceWait, text);
            }

            db.Screams.Add(scream);
            rateLimit.Record(playerId, now);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        logger.LogInformation(
            "Stored scream {ScreamId} for player {PlayerId}: {Bytes} bytes, {DurationSeconds:F2} s at {SampleRateHz} Hz",
            scream.Id,
            playerId,
            wav.Length,
            header.DurationSeconds,
            header.Format.SampleRateHz);

        // 7. Queue the score run. If this fails the scream is still safe: the recovery sweep queues it.
        metrics.Uploads.Inc();
        try
        {
            dispatcher.Enqueue(scream.Id);
        }
#pragma warning disable CA1031 // The upload is stored; a queueing fault must not turn it into an error.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            logger.LogError(exception, "Could not queue scream {ScreamId}; the recovery sweep will", scream.Id);
        }

        return Accepted(http, scream.Id);
    }

    private static IResult Accepted(HttpContext http, Guid screamId)
    {
        var url = $"/screams/{screamId}";
        if (WantsJson(http))
        {
            return Results.Json(
                new { id = screamId, status = "pending", url, statusUrl = $"/api/screams/{screamId}" },
                statusCode: StatusCodes.Status201Created);
        }

        if (IsHtmx(http))
        {
            http.Response.Headers["HX-Redirect"] = url;
            return Results.Ok();
        }

        return new SeeOther(url);
    }

    private static IResult RefuseBusy(HttpContext http, int statusCode, string message)
    {
        http.Response.Headers.RetryAfter = BusyRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Refuse(http, statusCode, message);
    }

    private static IResult RefuseRateLimited(HttpContext http, TimeSpan wait, IStringLocalizer text)
    {
        var seconds = (int)Math.Ceiling(wait.TotalSeconds);
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Refuse(http, StatusCodes.Status429TooManyRequests, text["叫びすぎです。{0} 秒後にもう一度どうぞ。", seconds]);
    }

    private static IResult Refuse(HttpContext http, int statusCode, string message)
    {
        if (WantsJson(http))
        {
            return Results.Problem(detail: message, statusCode: statusCode, title: ReasonPhrase(statusCode));
        }

        if (IsHtmx(http))
        {
            return Results.Content(
                $"<p class=\"error\" role=\"alert\">{WebUtility.HtmlEncode(message)}</p>",
                "text/html; charset=utf-8",
                statusCode: statusCode);
        }

        return Results.Text(message, "text/plain; charset=utf-8", statusCode: statusCode);
    }

    private static string ReasonPhrase(int statusCode) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(statusCode);

    private static bool WantsJson(HttpContext http) =>
        http.Request.Headers.Accept.Any(value => value?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true);

    private static bool IsHtmx(HttpContext http) => http.Request.Headers.ContainsKey("HX-Request");

    /// <summary>The client's file name, kept for display only: no path, no control characters, bounded.</summary>
    private static string? SafeFileName(string? fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName))
        {
            return null;
        }

        var name = Path.GetFileName(fileName.Replace('\\', '/'));
        name = new string(name.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return name.Length == 0 ? null : name.Length <= 255 ? name : name[..255];
    }

    /// <summary>303 See Other: after a POST, the browser GETs the result page.</summary>
    private sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
