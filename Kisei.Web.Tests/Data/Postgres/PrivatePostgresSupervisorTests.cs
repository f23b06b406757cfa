using Kisei.Web.Data.Postgres;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Kisei.Web.Tests.Data.Postgres;

public sealed class PrivatePostgresSupervisorTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_killed_server_is_reported_down_and_restarted_with_its_data()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Finds the server's processes in /proc, which only Linux has.");
        await using var folder = TemporaryFolder.Create("pg-supervise");
        await using var server = await PrivatePostgres.StartAsync(NewOptions(), folder.Path, null, Cancel);
        await ExecuteAsync(server.ConnectionString, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)");
        var logger = new RecordingLogger();
        using var supervisor = new PrivatePostgresSupervisor(server, TimeProvider.System, logger);
        await supervisor.StartAsync(Cancel);
        var killed = server.ProcessId;

        Posix.TrySignal(killed, Posix.SignalKill);

        await Wait.UntilAsync(() => supervisor.Readiness().Status == HealthStatus.Unhealthy, "readiness turns red");
        Assert.NotEqual(HealthStatus.Unhealthy, supervisor.Liveness().Status);
        await Wait.UntilAsync(() => supervisor.Restarts == 1 && supervisor.Readiness().Status == HealthStatus.Healthy, "the server is restarted", TimeSpan.FromSeconds(60));
        Assert.True(server.IsRunning);
        Assert.NotEqual(killed, server.ProcessId);
        Assert.Equal(7, await ScalarAsync(server.ConnectionString, "SELECT id FROM kept"));
        Assert.Contains(logger.Messages, message => message.Contains("died; restarting it", StringComparison.Ordinal));
        await supervisor.StopAsync(Cancel);
    }

    [Fact]
    public async Task Liveness_turns_red_only_when_restarts_keep_failing_past_the_grace()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Finds the server's processes in /proc, which only Linux has.");
        await using var folder = TemporaryFolder.Create("pg-unrecoverable");
        var options = NewOptions();
        options.RecoveryGraceSeconds = 2;
        await using var server = await PrivatePostgres.StartAsync(options, folder.Path, null, Cancel);
        using var supervisor = new PrivatePostgresSupervisor(server, TimeProvider.System, new RecordingLogger());
        await supervisor.StartAsync(Cancel);

        // A server that cannot come back: its control file is gone.
        var killed = server.ProcessId;
        Posix.TrySignal(killed, Posix.SignalKill);
        await Wait.UntilAsync(() => !Posix.ProcessExists(killed), "the postmaster is gone");
        File.Delete(Path.Combine(server.DataDirectory, "global", "pg_control"));

        await Wait.UntilAsync(() => supervisor.Readiness().Status == HealthStatus.Unhealthy, "readiness turns red");
        Assert.Equal(HealthStatus.Degraded, supervisor.Liveness().Status);
        await Wait.UntilAsync(() => supervisor.Liveness().Status == HealthStatus.Unhealthy, "liveness turns red after the grace", TimeSpan.FromSeconds(30));
        Assert.Equal(0, supervisor.Restarts);
        await supervisor.StopAsync(Cancel);
    }

    [Fact]
    public async Task A_damaged_data_folder_is_named_in_the_first_line_of_the_failure()
    {
        await using var folder = TemporaryFolder.Create("pg-damaged");
        await (await PrivatePostgres.StartAsync(NewOptions(), folder.Path, null, Cancel)).StopAsync(Cancel);
        File.Delete(folder.Combine("pg", "global", "pg_control"));

        var failure = await Assert.ThrowsAsync<PrivatePostgresException>(() => PrivatePostgres.StartAsync(NewOptions(), folder.Path, null, Cancel));

        // In the server's own words, from its log: pg_ctl's output, read from a pipe, may come too late on a loaded machine.
        var firstLine = failure.Message.Split('\n')[0];
        Assert.Contains("postgres: could not find the database system", firstLine, StringComparison.Ordinal);
        Assert.Contains("pg_control", firstLine, StringComparison.Ordinal);
        Assert.Contains("move the folder aside", firstLine, StringComparison.Ordinal);
        Assert.Empty(ServerProcesses.Find(folder.Combine("pg")));
    }

    private static PrivatePostgresOptions NewOptions()
    {
        var options = new PrivatePostgresOptions { DataDirectory = "pg" };
        options.ServerSettings["fsync"] = "off";
        return options;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Cancel);
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Cancel);
    }
}
