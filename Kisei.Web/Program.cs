using Kisei.Web.Accounts;
using Kisei.Web.Billing;
using Kisei.Web.Cli;
using Kisei.Web.Data;
using Kisei.Web.Hosting;
using Kisei.Web.Jobs;
using Kisei.Web.Metrics;
using Kisei.Web.Pages;
using Kisei.Web.Scaling;
using Kisei.Web.Screams;
using Kisei.Web.Speech;

// The first argument picks a command (score, transcribe, model, migrate); none serves the game.
if (CommandLine.Handles(args))
{
    return await CommandLine.RunAsync(args);
}

try
{
    var builder = WebApplication.CreateBuilder(args);
    await builder.AddDataAsync();
    builder.AddAccounts();
    builder.AddSpeech();
    builder.AddScreams();
    builder.AddBilling();
    builder.AddScaling();
    builder.AddJobs();
    builder.AddMetrics();
    builder.AddPages();

    var app = builder.Build();
    app.UsePages();
    app.UsePlayerPresence();
    app.MapStaticAssets();
    app.MapHealth();
    app.MapAccounts();
    app.MapScreams();
    app.MapJobs();
    app.MapKiseiMetrics();
    app.MapRazorPages().WithStaticAssets();

    app.LogStartupSummary();

    await app.RunAsync();
    return 0;
}
catch (Exception exception) when (StartupFailure.Explain(exception) is { } explanation)
{
    return StartupFailure.Report(exception, explanation);
}
