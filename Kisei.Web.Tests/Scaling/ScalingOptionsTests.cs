using Kisei.Web.Billing;
using Kisei.Web.Scaling;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Tests.Scaling;

public sealed class ScalingOptionsTests
{
    [Fact]
    public void The_defaults_are_valid() =>
        Assert.True(Validate(new ScalingOptions(), new BillingOptions()).Succeeded);

    [Fact]
    public void A_maximum_below_the_minimum_is_refused()
    {
        var result = Validate(new ScalingOptions { MinReplicas = 3, MaxReplicas = 2 }, new BillingOptions());

        Assert.True(result.Failed);
        Assert.Contains("Scaling:MaxReplicas (2) must be at least Scaling:MinReplicas (3)", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(19_999, 2, false)]
    [InlineData(20_000, 2, true)]
    [InlineData(9_999, 1, false)]
    public void A_budget_must_pay_for_the_minimum_replicas(long budgetYen, int minReplicas, bool valid)
    {
        var result = Validate(new ScalingOptions { MinReplicas = minReplicas }, new BillingOptions { MonthlyBudgetYen = budgetYen });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains($"Billing:MonthlyBudgetYen ({budgetYen} yen)", result.FailureMessage, StringComparison.Ordinal);
            Assert.Contains($"Scaling:MinReplicas ({minReplicas})", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    private static ValidateOptionsResult Validate(ScalingOptions scaling, BillingOptions billing) =>
        new ScalingOptionsValidator(Options.Create(billing)).Validate(Options.DefaultName, scaling);
}
