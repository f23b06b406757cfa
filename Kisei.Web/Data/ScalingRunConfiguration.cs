using Kisei.Web.Scaling;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kisei.Web.Data;

internal sealed class ScalingRunConfiguration : IEntityTypeConfiguration<ScalingRun>
{
    public void Configure(EntityTypeBuilder<ScalingRun> builder)
    {
        builder.Property(r => r.Id).UseIdentityAlwaysColumn();
        builder.Property(r => r.TotalScore).HasPrecision(14, 1);
        builder.Property(r => r.Action).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Error).HasMaxLength(ScalingRun.MaxErrorLength);

        // The stabilization window's history, the latest run, and retention's cut-off.
        builder.HasIndex(r => r.At);
    }
}
