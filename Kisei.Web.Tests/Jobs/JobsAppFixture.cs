using Kisei.Web.Tests.Infrastructure;

namespace Kisei.Web.Tests.Jobs;

/// <summary>
/// A running Kisei in which <see cref="AdminLogin"/> is an admin (through <c>Kisei:Admins</c>), with the
/// recurring jobs on short schedules so that their runs show up quickly.
/// </summary>
public sealed class JobsAppFixture(PostgresServerFixture server) : AppFixture(server)
{
    public const string AdminLogin = "jobs-admin";

    /// <summary>The settings of an app whose cost-shares and scaling jobs run every second.</summary>
    public static Dictionary<string, string?> FastJobs() => new()
    {
        ["Kisei:Admins:0"] = AdminLogin,
        ["Billing:CostSharesIntervalSeconds"] = "1",
        ["Scaling:IntervalSeconds"] = "1",
    };

    protected override IReadOnlyDictionary<string, string?> Settings => FastJobs();
}
