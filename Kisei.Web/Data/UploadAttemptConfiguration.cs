using Kisei.Web.Accounts;
using Kisei.Web.Screams;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kisei.Web.Data;

internal sealed class UploadAttemptConfiguration : IEntityTypeConfiguration<UploadAttempt>
{
    public void Configure(EntityTypeBuilder<UploadAttempt> builder)
    {
        builder.Property(a => a.Id).UseIdentityAlwaysColumn();
        builder.HasOne<Player>().WithMany().HasForeignKey(a => a.PlayerId).OnDelete(DeleteBehavior.Cascade);

        // The rate limit: a player's attempts inside a window, newest first.
        builder.HasIndex(a => new { a.PlayerId, a.At });
    }
}
