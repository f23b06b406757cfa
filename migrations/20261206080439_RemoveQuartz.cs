using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kisei.Web.Migrations
{
    /// <inheritdoc />
    public partial class RemoveQuartz : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The jobs moved from Quartz.NET to Hangfire, which keeps its tables in a schema of its own.
            // Quartz's tables (which Quartz created itself, not a migration) and job_failures, which only
            // the old /jobs console read, go. Players, screams, snapshots and scaling runs stay.
            migrationBuilder.DropTable(
                name: "job_failures");

            migrationBuilder.Sql("""
                DO $$
                DECLARE
                    quartz_table text;
                BEGIN
                    FOR quartz_table IN
                        SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'qrtz\_%'
                    LOOP
                        EXECUTE format('DROP TABLE %I CASCADE', quartz_table);
                    END LOOP;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "job_failures",
                columns: table => new
                {
                    scheduler_instance_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    fire_instance_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    detail = table.Column<string>(type: "character varying(32000)", maxLength: 32000, nullable: false),
                    exception_type = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    fired_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    job_group = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    job_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    message = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    trigger_group = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    trigger_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_job_failures", x => new { x.scheduler_instance_id, x.fire_instance_id });
                });

            migrationBuilder.CreateIndex(
                name: "ix_job_failures_fired_at",
                table: "job_failures",
                column: "fired_at");
        }
    }
}
