using Kisei.Web.Accounts;
using Kisei.Web.Billing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kisei.Web.Data;

internal sealed class PlayerShareConfiguration : IEntityTypeConfiguration<PlayerShare>
{
    public void Configure(EntityTypeBuilder<PlayerShare> builder)
    {
        builder.HasKey(s => new { s.SnapshotId, s.PlayerId });
        builder.Property(s => s.Standing).HasPrecision(14, 1);
        builder.HasOne<Player>().WithMany().HasForeignKey(s => s.PlayerId).OnDelete(DeleteBehavior.Cascade);

        // A player's share history, newest first.
        builder.HasIndex(s => new { s.PlayerId, s.SnapshotId });
    }
}
