using Kisei.Web.Tests.Infrastructure;

namespace Kisei.Web.Tests.Jobs;

/// <summary>A running Kisei in which <see cref="AdminLogin"/> is an admin (through <c>Kisei:Admins</c>).</summary>
public sealed class JobsAppFixture(PostgresServerFixture server) : AppFixture(server)
{
    public const string AdminLogin = "jobs-admin";

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Kisei:Admins:0"] = AdminLogin,
    };
}
