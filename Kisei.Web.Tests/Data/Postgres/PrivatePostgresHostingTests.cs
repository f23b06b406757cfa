using Kisei.Web.Data.Postgres;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kisei.Web.Tests.Data.Postgres;

public sealed class PrivatePostgresHostingTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_configured_connection_string_starts_no_server()
    {
        await using var folder = TemporaryFolder.Create("host-external");
        const string external = "Host=db.example;Database=kisei;Username=kisei";
        var builder = NewBuilder(folder, new() { ["ConnectionStrings:Postgres"] = external });

        var connectionString = await builder.UsePrivatePostgresIfUnconfiguredAsync(Cancel);

        Assert.Equal(external, connectionString);
        Assert.DoesNotContain(builder.Services, service => service.ServiceType == typeof(PrivatePostgres));
        Assert.False(Directory.Exists(folder.Combine("data")));
    }

    [Fact]
    public async Task The_server_starts_before_the_app_is_built_and_stops_after_every_hosted_service()
    {
        await using var folder = TemporaryFolder.Create("host-private");
        var builder = NewBuilder(folder, new()
        {
            ["Database:DataDirectory"] = "data/pg",
            ["Database:DatabaseName"] = "hosted",
            ["Database:ServerSettings:fsync"] = "off",
        });

        // Registered before the server: hosted services stop in reverse order, so this one
        // stops after anything registered by the hook's own StopAsync would have.
        var lastUser = new DatabaseUserAtShutdown(builder.Configuration);
        builder.Services.AddSingleton<IHostedService>(lastUser);

        var connectionString = await builder.UsePrivatePostgresIfUnconfiguredAsync(Cancel);

        Assert.Equal(connectionString, builder.Configuration.GetConnectionString("Postgres"));
        Assert.Equal("hosted", new NpgsqlConnectionStringBuilder(connectionString).Database);
        await using var app = builder.Build();
        var server = app.Services.GetRequiredService<PrivatePostgres>();
        Assert.Equal("off", await ScalarAsync(connectionString, "SHOW fsync"));

        await app.StartAsync(Cancel);
        await app.StopAsync(Cancel);

        Assert.Equal(1, lastUser.AnswerAtShutdown);
        Assert.False(Posix.ProcessExists(server.ProcessId), "The server stopped with the host.");
        Assert.Empty(ServerProcesses.Find(server.DataDirectory));
    }

    [Fact]
    public async Task A_command_line_lease_starts_the_server_and_stops_it_on_dispose()
    {
        await using var folder = TemporaryFolder.Create("host-cli");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Database:DataDirectory"] = "pg", ["Database:ServerSettings:fsync"] = "off" })
            .Build();

        var lease = await PrivatePostgresHosting.StartIfUnconfiguredAsync(configuration, folder.Path, NullLoggerFactory.Instance, Cancel);
        var pid = lease.Server!.ProcessId;
        Assert.Equal("kisei", await ScalarAsync(lease.ConnectionString, "SELECT current_database()"));
        await lease.DisposeAsync();

        Assert.False(Posix.ProcessExists(pid));
    }

    private static WebApplicationBuilder NewBuilder(TemporaryFolder folder, Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = folder.Path, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        return builder;
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Cancel);
    }

    /// <summary>Stands for Hangfire and friends: a hosted service that still needs the database while it stops.</summary>
    private sealed class DatabaseUserAtShutdown(IConfiguration configuration) : IHostedService
    {
        public object? AnswerAtShutdown { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) =>
            AnswerAtShutdown = await ScalarAsync(configuration.GetConnectionString("Postgres")!, "SELECT 1");
    }
}
