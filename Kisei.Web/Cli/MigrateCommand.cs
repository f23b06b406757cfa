using Kisei.Web.Data;
using Kisei.Web.Data.Postgres;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kisei.Web.Cli;

/// <summary><c>kisei migrate</c>: applies the schema scripts and exits.</summary>
internal static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length != 0)
        {
            throw new CommandLineException("usage: kisei migrate (the connection string comes from configuration, as for the server)");
        }

        var builder = WebApplication.CreateBuilder();
        await using var database = await PrivatePostgresHosting.StartIfUnconfiguredAsync(builder.Configuration, builder.Environment.ContentRootPath);
        var applied = await new SchemaMigrator(database.ConnectionString, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await output.WriteLineAsync(applied.Count == 0
            ? "The schema is up to date."
            : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}");
        return 0;
    }
}
