using Kisei.Web.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kisei.Web.Data;

internal sealed class JobFailureConfiguration : IEntityTypeConfiguration<JobFailure>
{
    public void Configure(EntityTypeBuilder<JobFailure> builder)
    {
        // No DbSet names the table. A name given here is used as it is, so it is given in snake_case.
        builder.ToTable("job_failures");
        builder.HasKey(f => new { f.SchedulerInstanceId, f.FireInstanceId });
        builder.Property(f => f.SchedulerInstanceId).HasMaxLength(200);
        builder.Property(f => f.FireInstanceId).HasMaxLength(200);
        builder.Property(f => f.JobGroup).HasMaxLength(200);
        builder.Property(f => f.JobName).HasMaxLength(200);
        builder.Property(f => f.TriggerGroup).HasMaxLength(200);
        builder.Property(f => f.TriggerName).HasMaxLength(200);
        builder.Property(f => f.ExceptionType).HasMaxLength(500);
        builder.Property(f => f.Message).HasMaxLength(4000);
        builder.Property(f => f.Detail).HasMaxLength(JobFailure.MaxDetailLength);

        // Retention drops the oldest first.
        builder.HasIndex(f => f.FiredAt);
    }
}
