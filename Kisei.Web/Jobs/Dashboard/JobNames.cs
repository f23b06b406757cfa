using Hangfire.Common;
using Hangfire.Dashboard;
using Kisei.Web.Billing;
using Kisei.Web.Scaling;
using Kisei.Web.Screams;
using Microsoft.Extensions.Localization;

namespace Kisei.Web.Jobs.Dashboard;

/// <summary>What each job does, in the reader's language (Japanese first, English by Accept-Language).</summary>
public static class JobNames
{
    private static readonly Dictionary<Type, string> Names = new()
    {
        [typeof(ScoreScreamJob)] = "奇声を採点する",
        [typeof(CostSharesJob)] = "請求額を分担する",
        [typeof(ScalingJob)] = "合計スコアでレプリカ数を決める",
        [typeof(RetentionJob)] = "古い録音と記録を消す（毎日）",
        [typeof(RecoverPendingScreamsJob)] = "採点が失われた奇声をもう一度並べる",
    };

    /// <summary>The dashboard's <c>DisplayNameFunc</c>.</summary>
    public static string Describe(DashboardContext context, Job job)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(job);
        return Names.TryGetValue(job.Type, out var name)
            ? context.GetHttpContext().RequestServices.GetRequiredService<IStringLocalizer<SharedResource>>()[name]
            : $"{job.Type.Name}.{job.Method.Name}";
    }
}
