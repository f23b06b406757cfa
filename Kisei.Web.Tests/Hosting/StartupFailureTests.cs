using System.Net;
using System.Net.Sockets;
using Kisei.Web.Data.Postgres;
using Kisei.Web.Hosting;
using Kisei.Web.Screams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Kisei.Web.Tests.Hosting;

public sealed class StartupFailureTests
{
    [Fact]
    public void An_option_out_of_range_names_the_settings_and_where_to_fix_them()
    {
        var invalid = new OptionsValidationException(
            Options.DefaultName, typeof(ScreamOptions), ["The field MaxUploadBytes must be between 1024 and 209715200."]);

        var line = StartupFailure.Explain(new AggregateException(invalid));

        Assert.Equal(
            "The ScreamOptions settings are invalid: The field MaxUploadBytes must be between 1024 and 209715200. " +
            "Fix them in appsettings.json, an environment variable (Section__Key) or the command line (--Section:Key=value).",
            line);
    }

    [Fact]
    public async Task A_bad_connection_string_says_so_before_anything_starts()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = "Host=db.example;Colour=blue" })
            .Build();

        var failure = await Assert.ThrowsAsync<StartupException>(
            () => PrivatePostgresHosting.StartIfUnconfiguredAsync(configuration, Path.GetTempPath(), null, TestContext.Current.CancellationToken));

        var line = StartupFailure.Explain(failure);
        Assert.NotNull(line);
        Assert.StartsWith("ConnectionStrings:Postgres is not a valid connection string: ", line, StringComparison.Ordinal);
        Assert.Contains("colour", line, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public async Task A_database_that_does_not_answer_is_explained()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=kisei;Timeout=5;Pooling=false");

        var failure = await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync(TestContext.Current.CancellationToken));

        var line = StartupFailure.Explain(failure);
        Assert.NotNull(line);
        Assert.StartsWith("The database does not answer: ", line, StringComparison.Ordinal);
        Assert.Contains("Check ConnectionStrings:Postgres", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_that_answers_with_an_error_is_not_said_to_be_silent()
    {
        var failure = new PostgresException("column \"session_version\" of relation \"players\" already exists", "ERROR", "ERROR", "42701");

        var line = StartupFailure.Explain(failure);

        Assert.NotNull(line);
        Assert.StartsWith("The database refused Kisei at start: 42701: column \"session_version\"", line, StringComparison.Ordinal);
        Assert.Contains("outside Kisei's migrations", line, StringComparison.Ordinal);
        Assert.DoesNotContain("does not answer", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_private_server_failure_keeps_its_first_line_and_leaves_the_log_tail_to_the_details()
    {
        var failure = new PrivatePostgresException($"PostgreSQL did not start in /data: FATAL: bad. Read /data/server.log.{Environment.NewLine}Last lines of /data/server.log:{Environment.NewLine}FATAL: bad");

        Assert.Equal("PostgreSQL did not start in /data: FATAL: bad. Read /data/server.log.", StartupFailure.Explain(failure));
    }

    [Fact]
    public void An_unknown_failure_is_not_explained_away()
    {
        Assert.Null(StartupFailure.Explain(new InvalidOperationException("A bug.")));
        Assert.Null(StartupFailure.Explain(new IOException("Disk on fire.")));
    }
}
