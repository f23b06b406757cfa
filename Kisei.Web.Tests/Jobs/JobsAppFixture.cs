using Hangfire;
using Hangfire.Storage;
using Kisei.Web.Jobs;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kisei.Web.Tests.Jobs;

/// <summary>
/// A running Kisei in which <see cref="AdminLogin"/> is an admin (through <c>Kisei:Admins</c>) once signed in
/// with GitHub (<see cref="GitHub"/>): outside Development a development sign-in is never an admin. The
/// recurring jobs run on short schedules so that their runs show up quickly.
/// </summary>
public sealed class JobsAppFixture(PostgresServerFixture server) : AppFixture(server)
{
    public const string AdminLogin = "jobs-admin";

    public StandInGitHub GitHub { get; private set; } = null!;

    /// <summary>The settings of an app whose cost-shares and scaling jobs run every second.</summary>
    public static Dictionary<string, string?> FastJobs() => new()
    {
        ["Kisei:Admins:0"] = AdminLogin,
        ["Billing:CostSharesIntervalSeconds"] = "1",
        ["Scaling:IntervalSeconds"] = "1",
    };

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(FastJobs().Concat(GitHub.Settings));

    public override async ValueTask InitializeAsync()
    {
        GitHub = await StandInGitHub.StartAsync(TestContext.Current.CancellationToken);
        await base.InitializeAsync();
        // The app registers its recurring jobs in the background once it has started; on a loaded machine a test
        // could otherwise read the console before the last of them is there.
        using var connection = App.Services.GetRequiredService<JobStorage>().GetConnection();
        await Wait.UntilAsync(
            () => !RecurringJobs.Ids.Except(connection.GetRecurringJobs().Select(job => job.Id)).Any(),
            "every recurring job is registered");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await GitHub.DisposeAsync();
    }
}
