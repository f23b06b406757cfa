using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kisei.Web.Migrations
{
    /// <inheritdoc />
    public partial class ScreamSharing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "share_audio",
                table: "screams",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "share_token",
                table: "screams",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_screams_share_token",
                table: "screams",
                column: "share_token",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_screams_share_token",
                table: "screams");

            migrationBuilder.DropColumn(
                name: "share_audio",
                table: "screams");

            migrationBuilder.DropColumn(
                name: "share_token",
                table: "screams");
        }
    }
}
