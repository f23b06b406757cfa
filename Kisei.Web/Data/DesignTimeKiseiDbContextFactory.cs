using Microsoft.EntityFrameworkCore.Design;

namespace Kisei.Web.Data;

/// <summary>
/// The context <c>dotnet ef</c> works with, so that the tool never runs Program.cs (which would
/// start the private PostgreSQL). Adding a migration and checking for model changes need no server;
/// the connection string is only used by commands that do, such as <c>dotnet ef database update</c>.
/// </summary>
internal sealed class DesignTimeKiseiDbContextFactory : IDesignTimeDbContextFactory<KiseiDbContext>
{
    public KiseiDbContext CreateDbContext(string[] args) =>
        new(KiseiDbContext.OptionsFor(Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") ?? "Host=localhost;Database=kisei"));
}
