using Kisei.Web.Data;
using Kisei.Web.Data.Postgres;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kisei.Web.Cli;

/// <summary>
/// <c>kisei migrate [--ConnectionStrings:Postgres=...]</c>: applies the EF Core migrations and exits.
/// The database is the server's: configuration, the environment, or configuration overrides given
/// as arguments; with none, the private PostgreSQL.
/// </summary>
internal static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        WebApplicationBuilder builder;
        try
        {
            builder = WebApplication.CreateBuilder(args);
        }
        catch (FormatException exception)
        {
            throw new CommandLineException($"usage: kisei migrate [--Section:Key=value ...] ({exception.Message})");
        }

        await using var database = await PrivatePostgresHosting.StartIfUnconfiguredAsync(builder.Configuration, builder.Environment.ContentRootPath);
        var applied = await new SchemaMigrator(database.ConnectionString, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await output.WriteLineAsync(applied.Count == 0
            ? "The schema is up to date."
            : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}");
        return 0;
    }
}
