using Kisei.Web.Data;

namespace Kisei.Web.Tests.Data;

public sealed class SnakeCaseNamesTests
{
    [Theory]
    [InlineData("Players", "players")]
    [InlineData("ScreamAudio", "scream_audio")]
    [InlineData("PlayerId", "player_id")]
    [InlineData("PK_Players", "pk_players")]
    [InlineData("IX_Screams_Period_Status_PlayerId", "ix_screams_period_status_player_id")]
    [InlineData("SampleRateHz", "sample_rate_hz")]
    [InlineData("FK_Screams_Players_PlayerId", "fk_screams_players_player_id")]
    public void Names_become_snake_case(string name, string expected) =>
        Assert.Equal(expected, SnakeCaseNames.ToSnakeCase(name));
}
