using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Kisei.Web.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "data_protection_keys",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    friendly_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    xml = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_data_protection_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "job_failures",
                columns: table => new
                {
                    scheduler_instance_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    fire_instance_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    job_group = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    job_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    trigger_group = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    trigger_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    fired_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    exception_type = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    message = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    detail = table.Column<string>(type: "character varying(32000)", maxLength: 32000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_job_failures", x => new { x.scheduler_instance_id, x.fire_instance_id });
                });

            migrationBuilder.CreateTable(
                name: "players",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    github_id = table.Column<long>(type: "bigint", nullable: true),
                    login = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    avatar_url = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_players", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "scaling_runs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    total_score = table.Column<decimal>(type: "numeric(14,1)", precision: 14, scale: 1, nullable: false),
                    observed_replicas = table.Column<int>(type: "integer", nullable: true),
                    replicas_before = table.Column<int>(type: "integer", nullable: true),
                    target = table.Column<int>(type: "integer", nullable: false),
                    replicas_set = table.Column<int>(type: "integer", nullable: true),
                    action = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    is_simulated = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_scaling_runs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "share_snapshots",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    taken_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    period = table.Column<DateOnly>(type: "date", nullable: false),
                    bill_yen = table.Column<long>(type: "bigint", nullable: false),
                    cost_per_replica_yen = table.Column<long>(type: "bigint", nullable: false),
                    observed_replicas = table.Column<int>(type: "integer", nullable: false),
                    is_simulated = table.Column<bool>(type: "boolean", nullable: false),
                    total_score = table.Column<decimal>(type: "numeric(14,1)", precision: 14, scale: 1, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_share_snapshots", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "simulated_cluster_state",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    desired_replicas = table.Column<int>(type: "integer", nullable: false),
                    observed_replicas = table.Column<int>(type: "integer", nullable: false),
                    desired_changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_simulated_cluster_state", x => x.id);
                    table.CheckConstraint("ck_simulated_cluster_state_single_row", "id = 1");
                });

            migrationBuilder.CreateTable(
                name: "screams",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    player_id = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    period = table.Column<DateOnly>(type: "date", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    scoring_started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    file_name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    byte_count = table.Column<int>(type: "integer", nullable: false),
                    sample_rate_hz = table.Column<int>(type: "integer", nullable: true),
                    channels = table.Column<int>(type: "integer", nullable: true),
                    duration_seconds = table.Column<double>(type: "double precision", nullable: true),
                    mean_rms = table.Column<double>(type: "double precision", nullable: true),
                    loudness = table.Column<double>(type: "double precision", nullable: true),
                    speech_characters = table.Column<int>(type: "integer", nullable: true),
                    speech_factor = table.Column<double>(type: "double precision", nullable: true),
                    score = table.Column<decimal>(type: "numeric(4,1)", precision: 4, scale: 1, nullable: true),
                    recognizer = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    transcript = table.Column<string>(type: "text", nullable: true),
                    no_speech_probability = table.Column<double>(type: "double precision", nullable: true),
                    average_log_probability = table.Column<double>(type: "double precision", nullable: true),
                    failure_reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    scored_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    scoring_milliseconds = table.Column<int>(type: "integer", nullable: true),
                    envelope = table.Column<float[]>(type: "real[]", nullable: true),
                    frame_rms = table.Column<float[]>(type: "real[]", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_screams", x => x.id);
                    table.ForeignKey(
                        name: "fk_screams_players_player_id",
                        column: x => x.player_id,
                        principalTable: "players",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "player_shares",
                columns: table => new
                {
                    snapshot_id = table.Column<long>(type: "bigint", nullable: false),
                    player_id = table.Column<long>(type: "bigint", nullable: false),
                    standing = table.Column<decimal>(type: "numeric(14,1)", precision: 14, scale: 1, nullable: false),
                    share_yen = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_player_shares", x => new { x.snapshot_id, x.player_id });
                    table.ForeignKey(
                        name: "fk_player_shares_players_player_id",
                        column: x => x.player_id,
                        principalTable: "players",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_player_shares_share_snapshots_snapshot_id",
                        column: x => x.snapshot_id,
                        principalTable: "share_snapshots",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "scream_audio",
                columns: table => new
                {
                    scream_id = table.Column<Guid>(type: "uuid", nullable: false),
                    wav = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_scream_audio", x => x.scream_id);
                    table.ForeignKey(
                        name: "fk_scream_audio_screams_scream_id",
                        column: x => x.scream_id,
                        principalTable: "screams",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_job_failures_fired_at",
                table: "job_failures",
                column: "fired_at");

            migrationBuilder.CreateIndex(
                name: "ix_player_shares_player_id_snapshot_id",
                table: "player_shares",
                columns: new[] { "player_id", "snapshot_id" });

            migrationBuilder.CreateIndex(
                name: "ix_players_github_id",
                table: "players",
                column: "github_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_players_last_seen_at",
                table: "players",
                column: "last_seen_at");

            migrationBuilder.CreateIndex(
                name: "ix_players_login",
                table: "players",
                column: "login",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_scaling_runs_at",
                table: "scaling_runs",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "ix_screams_period_status_player_id",
                table: "screams",
                columns: new[] { "period", "status", "player_id" });

            migrationBuilder.CreateIndex(
                name: "ix_screams_player_id_created_at",
                table: "screams",
                columns: new[] { "player_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_screams_status_created_at",
                table: "screams",
                columns: new[] { "status", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_share_snapshots_taken_at",
                table: "share_snapshots",
                column: "taken_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "data_protection_keys");

            migrationBuilder.DropTable(
                name: "job_failures");

            migrationBuilder.DropTable(
                name: "player_shares");

            migrationBuilder.DropTable(
                name: "scaling_runs");

            migrationBuilder.DropTable(
                name: "scream_audio");

            migrationBuilder.DropTable(
                name: "simulated_cluster_state");

            migrationBuilder.DropTable(
                name: "share_snapshots");

            migrationBuilder.DropTable(
                name: "screams");

            migrationBuilder.DropTable(
                name: "players");
        }
    }
}
