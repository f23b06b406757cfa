using Kisei.Web.Billing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kisei.Web.Data;

internal sealed class ShareSnapshotConfiguration : IEntityTypeConfiguration<ShareSnapshot>
{
    public void Configure(EntityTypeBuilder<ShareSnapshot> builder)
    {
        builder.Property(s => s.Id).UseIdentityAlwaysColumn();
        builder.Property(s => s.TotalScore).HasPrecision(14, 1);
        builder.HasMany(s => s.Shares).WithOne().HasForeignKey(s => s.SnapshotId).OnDelete(DeleteBehavior.Cascade);

        // The latest snapshot, and retention's cut-off.
        builder.HasIndex(s => s.TakenAt);
    }
}
