using Kisei.Web.Accounts;
using Kisei.Web.Screams;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kisei.Web.Data;

internal sealed class ScreamConfiguration : IEntityTypeConfiguration<Scream>
{
    public void Configure(EntityTypeBuilder<Scream> builder)
    {
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.FileName).HasMaxLength(255);
        builder.Property(s => s.Score).HasPrecision(4, 1);
        builder.Property(s => s.Recognizer).HasMaxLength(32);
        builder.Property(s => s.FailureReason).HasMaxLength(1000);
        builder.Property(s => s.ShareToken).HasMaxLength(32);
        builder.Property(s => s.ShareAudio).HasDefaultValue(false);
        builder.HasOne<Player>().WithMany().HasForeignKey(s => s.PlayerId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(s => s.Audio).WithOne().HasForeignKey<ScreamAudio>(a => a.ScreamId).OnDelete(DeleteBehavior.Cascade);

        // Standings: the scored screams of a period, per player.
        builder.HasIndex(s => new { s.Period, s.Status, s.PlayerId });
        // A player's own list and the rate limit: newest first.
        builder.HasIndex(s => new { s.PlayerId, s.CreatedAt });
        // The recovery sweep looks for screams stuck in Pending.
        builder.HasIndex(s => new { s.Status, s.CreatedAt });
        // A shared result is found by its link's token.
        builder.HasIndex(s => s.ShareToken).IsUnique();
    }
}

internal sealed class ScreamAudioConfiguration : IEntityTypeConfiguration<ScreamAudio>
{
    public void Configure(EntityTypeBuilder<ScreamAudio> builder)
    {
        builder.HasKey(a => a.ScreamId);
    }
}
