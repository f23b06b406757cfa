using Kisei.Web.Hosting;
using Kisei.Web.Tests.Infrastructure;

namespace Kisei.Web.Tests.Hosting;

/// <summary>The console's first word on what runs: data, scoring, cluster, sign-in and the address to open.</summary>
public sealed class StartupSummaryTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public void The_summary_names_the_database_the_recognizer_the_cluster_and_the_sign_in()
    {
        var lines = StartupSummary.Describe(fixture.App.Services).Split(Environment.NewLine);

        Assert.Equal("Kisei is running.", lines[0]);
        Assert.Contains(lines, line => line.StartsWith("  Open:", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("  Data:", StringComparison.Ordinal)
            && line.Contains($"database {fixture.Database.Name}", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("  Scoring:", StringComparison.Ordinal)
            && line.Contains("syllable estimator", StringComparison.Ordinal)
            && line.Contains("model pull base", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("  Cluster:", StringComparison.Ordinal) && line.Contains("simulated", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("  Sign-in:", StringComparison.Ordinal) && line.Contains("development sign-in", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080", "http://localhost:8080")]
    [InlineData("http://[::]:8080", "http://localhost:8080")]
    [InlineData("http://+:80", "http://localhost:80")]
    [InlineData("https://127.0.0.1:5001", "https://127.0.0.1:5001")]
    public void A_wildcard_address_is_shown_as_localhost(string listening, string shown) =>
        Assert.Equal(shown, StartupSummary.ForBrowser(listening));
}
