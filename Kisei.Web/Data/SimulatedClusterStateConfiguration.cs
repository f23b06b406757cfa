using Kisei.Web.Scaling;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kisei.Web.Data;

internal sealed class SimulatedClusterStateConfiguration : IEntityTypeConfiguration<SimulatedClusterState>
{
    public void Configure(EntityTypeBuilder<SimulatedClusterState> builder)
    {
        builder.ToTable(table => table.HasCheckConstraint("ck_simulated_cluster_state_single_row", $"id = {SimulatedClusterState.SingletonId}"));
        builder.Property(s => s.Id).ValueGeneratedNever();
    }
}
