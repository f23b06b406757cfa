using Hangfire.Dashboard;
using Kisei.Web.Accounts;
using Microsoft.AspNetCore.Authorization;

namespace Kisei.Web.Jobs.Dashboard;

/// <summary>The dashboard asks the app's own admin policy, the one every admin page uses.</summary>
internal sealed class AdminDashboardAuthorization : IDashboardAsyncAuthorizationFilter
{
    public async Task<bool> AuthorizeAsync(DashboardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.GetHttpContext();
        var authorization = http.RequestServices.GetRequiredService<IAuthorizationService>();
        return (await authorization.AuthorizeAsync(http.User, PlayerClaims.AdminRole)).Succeeded;
    }
}
