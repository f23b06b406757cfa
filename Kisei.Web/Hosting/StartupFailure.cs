using System.Net.Sockets;
using Kisei.Web.Data.Postgres;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kisei.Web.Hosting;

/// <summary>
/// Turns a start-up failure whose cause is known (a port in use, a bad setting, a data folder or
/// binaries the private PostgreSQL cannot use, a database that does not answer) into one line on
/// stderr saying what is wrong and what to do, with the full exception in a details file
/// (<see cref="DetailsPath"/>). Anything else is a bug, and keeps its stack trace.
/// </summary>
public static class StartupFailure
{
    /// <summary>Where the last failed start's full exception is written, named in the line on stderr.</summary>
    public static string DetailsPath { get; } =
        Path.Combine(Path.GetTempPath(), $"kisei-startup-failure-{Environment.UserName}.log");

    /// <summary>What went wrong and what to do, in one line; null when the failure is not a known one.</summary>
    public static string? Explain(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // The host collects the failures of its hosted services.
        while (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
            exception = aggregate.InnerExceptions[0];

        var explanation = exception switch
        {
            StartupException => exception.Message,
            // Its first line says what is wrong and what to do; the rest (a server log's tail) is detail.
            PrivatePostgresException => exception.Message.Split('\n')[0],
            OptionsValidationException invalid =>
                $"The {invalid.OptionsType.Name} settings are invalid: {string.Join(" ", invalid.Failures)} " +
                "Fix them in appsettings.json, an environment variable (Section__Key) or the command line (--Section:Key=value).",
            IOException { InnerException: AddressInUseException } =>
                $"{exception.Message} Stop the program that listens there, or choose another address, " +
                "for example --urls http://localhost:5080 (or ASPNETCORE_URLS).",
            // The server answered, and refused: a wrong password, a missing database, or a migration that
            // meets a schema changed outside Kisei's migrations.
            PostgresException refused =>
                $"The database refused Kisei at start: {refused.Message}. Check the account and database in " +
                "ConnectionStrings:Postgres; if a migration failed, the schema was changed outside Kisei's migrations " +
                "(by hand or by another build): restore it from a backup, or start on an empty database.",
            NpgsqlException database =>
                $"The database does not answer: {database.Message}" +
                (database.InnerException is SocketException or TimeoutException ? $" ({database.InnerException.Message})" : "") +
                ". Check ConnectionStrings:Postgres and that the server runs, or leave it empty for Kisei's private PostgreSQL.",
            InvalidDataException { InnerException: { } inner } when exception.Message.StartsWith("Failed to load configuration", StringComparison.Ordinal) =>
                $"{exception.Message} {inner.Message}",
            _ => null,
        };
        return explanation is null ? null : OneLine(explanation);
    }

    /// <summary>Writes the line to stderr and the exception to <see cref="DetailsPath"/>; returns the exit code.</summary>
    public static int Report(Exception exception, string explanation)
    {
        ArgumentNullException.ThrowIfNull(exception);
        string details;
        try
        {
            File.WriteAllText(DetailsPath, $"{DateTimeOffset.UtcNow:O} Kisei did not start.{Environment.NewLine}{exception}{Environment.NewLine}");
            details = $" (details: {DetailsPath})";
        }
        catch (Exception writeFailure) when (writeFailure is IOException or UnauthorizedAccessException)
        {
            details = "";
        }
        Console.Error.WriteLine($"Kisei did not start: {explanation}{details}");
        return 1;
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>Kisei cannot start, for a reason its message explains with what to do.</summary>
public sealed class StartupException : Exception
{
    public StartupException()
    {
    }

    public StartupException(string message)
        : base(message)
    {
    }

    public StartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
