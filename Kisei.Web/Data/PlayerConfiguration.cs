using Kisei.Web.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kisei.Web.Data;

internal sealed class PlayerConfiguration : IEntityTypeConfiguration<Player>
{
    public void Configure(EntityTypeBuilder<Player> builder)
    {
        builder.Property(p => p.Id).UseIdentityAlwaysColumn();
        builder.Property(p => p.GitHubId).HasColumnName("github_id");
        builder.Property(p => p.Login).HasMaxLength(100);
        builder.Property(p => p.Name).HasMaxLength(200);
        builder.Property(p => p.AvatarUrl).HasMaxLength(500);
        builder.Property(p => p.Email).HasMaxLength(320);
        builder.HasIndex(p => p.Login).IsUnique();
        builder.HasIndex(p => p.GitHubId).IsUnique();
        builder.HasIndex(p => p.LastSeenAt);
    }
}
