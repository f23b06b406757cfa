using Kisei.Web.Accounts;
using Kisei.Web.Billing;
using Kisei.Web.Scaling;
using Kisei.Web.Screams;
using Microsoft.EntityFrameworkCore;

namespace Kisei.Web.Data;

/// <summary>
/// Kisei's data, on PostgreSQL. Each entity has its own configuration class in this folder.
/// </summary>
/// <remarks>
/// EF Core's migration generator cannot be installed here, so the schema is written by hand:
/// to change it, edit the entity and its configuration, then add the next numbered script to the
/// top-level <c>migrations/</c> folder (for example <c>0003_add_x.sql</c>) with the matching DDL.
/// <c>SchemaTests</c> fails until the migrated schema and this model agree again.
/// Names are snake_case (see <see cref="SnakeCaseNames"/>), so scripts read like ordinary SQL.
/// </remarks>
public class KiseiDbContext(DbContextOptions<KiseiDbContext> options) : DbContext(options)
{
    public DbSet<Player> Players => Set<Player>();

    public DbSet<Scream> Screams => Set<Scream>();

    public DbSet<ScreamAudio> ScreamAudio => Set<ScreamAudio>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<ShareSnapshot> ShareSnapshots => Set<ShareSnapshot>();

    public DbSet<PlayerShare> PlayerShares => Set<PlayerShare>();

    public DbSet<ScalingRun> ScalingRuns => Set<ScalingRun>();

    public DbSet<SimulatedClusterState> SimulatedClusterState => Set<SimulatedClusterState>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(KiseiDbContext).Assembly);
        SnakeCaseNames.Apply(modelBuilder);
    }
}
