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
/// The order of the checks is the point: size and rate limit before a byte of the body is read,
/// antiforgery, then the format from the bytes, then the duration. Only then is the scream stored,
/// with its audio, in one transaction, and only after the commit is the score run queued and the
/// response sent.
/// </summary>
/// <remarks>
/// What is not checked: the client's file name and content type (display only, never trusted);
/// whether the audio is a scream at all (that is the score's job).
/// </remarks>
internal static class UploadEndpoint
{
    /// <summary>Room for the multipart boundaries, headers and the antiforgery field around the file.</summary>
    private const int MultipartAllowanceBytes = 64 * 1024;

    public static RouteHandlerBuilder MapScreamUpload(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/screams", UploadAsync)
            .RequireAuthorization()
            .DisableAntiforgery(); // validated by hand below, after the size checks

    private static async Task<IResult> UploadAsync(
        HttpContext http,
        IAntiforgery antiforgery,
        KiseiDbContext db,
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

        // 1. The size, from the header, before the body is touched; then a hard cap for chunked bodies.
        var bodyLimit = (long)limits.MaxUploadBytes + MultipartAllowanceBytes;
        if (http.Request.ContentLength > bodyLimit)
        {
            return Refuse(http, StatusCodes.Status413PayloadTooLarge, text["ファイルが大きすぎます（上限 {0} MB）。", maxMegabytes]);
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = bodyLimit;
        }

        // 2. The rate limit, also before reading.
        if (await rateLimit.RetryAfterAsync(playerId, cancellationToken) is { } wait)
        {
            return RefuseRateLimited(http, wait, text);
        }

        // 3. Antiforgery, then the file. Reading the form is bounded by the cap above.
        if (!http.Request.HasFormContentType)
        {
            return Refuse(http, StatusCodes.Status415UnsupportedMediaType, text["WAV ファイルを multipart/form-data の audio フィールドで送ってください。"]);
        }

        IFormFile? file;
        try
        {
            await antiforgery.ValidateRequestAsync(http);
            var form = await http.Request.ReadFormAsync(cancellationToken);
            file = form.Files["audio"];
        }
        catch (AntiforgeryValidationException)
        {
            return Refuse(http, StatusCodes.Status400BadRequest, text["フォームの有効期限が切れました。ページを再読み込みしてください。"]);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Refuse(http, StatusCodes.Status413PayloadTooLarge, text["ファイルが大きすぎます（上限 {0} MB）。", maxMegabytes]);
        }
        catch (InvalidDataException exception)
        {
            return Refuse(http, StatusCodes.Status400BadRequest, exception.Message);
        }

        if (file is null || file.Length == 0)
        {
            return Refuse(http, StatusCodes.Status400BadRequest, text["録音ファイルがありません（audio フィールドが空です）。"]);
        }

        if (file.Length > limits.MaxUploadBytes)
        {
            return Refuse(http, StatusCodes.Status413PayloadTooLarge, text["ファイルが大きすぎます（上限 {0} MB）。", maxMegabytes]);
        }

        var wav = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(wav, cancellationToken);
        }

        // 4. The format, from the bytes.
        WavAudio audio;
        try
        {
            audio = WavReader.Read(wav);
        }
        catch (WavFormatException exception)
        {
            var status = exception.Error is WavError.NotRiff or WavError.NotWave or WavError.UnsupportedEncoding or WavError.UnsupportedBitDepth
                ? StatusCodes.Status415UnsupportedMediaType
                : StatusCodes.Status400BadRequest;
            return Refuse(http, status, text["WAV ファイルとして読めません: {0}", exception.Message]);
        }

        // 5. The duration.
        if (audio.DurationSeconds < limits.MinDurationSeconds || audio.DurationSeconds > limits.MaxDurationSeconds)
        {
            return Refuse(
                http,
                StatusCodes.Status422UnprocessableEntity,
                text[
                    "録音の長さは {0} 秒から {1} 秒までです（この録音は {2} 秒）。",
                    limits.MinDurationSeconds.ToString(CultureInfo.InvariantCulture),
                    limits.MaxDurationSeconds.ToString(CultureInfo.InvariantCulture),
                    audio.DurationSeconds.ToString("0.0#", CultureInfo.InvariantCulture)]);
        }

        // 6. Store the scream and its audio in one transaction. The per-player advisory lock makes
        //    the rate limit exact when one player's uploads race.
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
            SampleRateHz = audio.SampleRateHz,
            Channels = audio.Channels,
            DurationSeconds = audio.DurationSeconds,
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
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        logger.LogInformation(
            "Stored scream {ScreamId} for player {PlayerId}: {Bytes} bytes, {DurationSeconds:F2} s at {SampleRateHz} Hz",
            scream.Id,
            playerId,
            wav.Length,
            audio.DurationSeconds,
            audio.SampleRateHz);

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
