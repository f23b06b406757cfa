using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Kisei.Web.Migrations
{
    /// <inheritdoc />
    public partial class UploadAttemptsAndSessions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "session_version",
                table: "players",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            // Existing players start at version 0; new ones get it from the model, like every other column.
            migrationBuilder.Sql("ALTER TABLE players ALTER COLUMN session_version DROP DEFAULT;");

            migrationBuilder.CreateTable(
                name: "upload_attempts",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    player_id = table.Column<long>(type: "bigint", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_upload_attempts", x => x.id);
                    table.ForeignKey(
                        name: "fk_upload_attempts_players_player_id",
                        column: x => x.player_id,
                        principalTable: "players",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_upload_attempts_player_id_at",
                table: "upload_attempts",
                columns: new[] { "player_id", "at" });

            // The rate limit now counts this ledger, which deleting a scream does not shrink. The last
            // day's stored screams go into it, so the upgrade hands no one a fresh day.
            migrationBuilder.Sql(
                "INSERT INTO upload_attempts (player_id, at) " +
                "SELECT player_id, created_at FROM screams WHERE created_at > now() - interval '1 day';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "upload_attempts");

            migrationBuilder.DropColumn(
                name: "session_version",
                table: "players");
        }
    }
}
