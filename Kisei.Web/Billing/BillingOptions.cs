using System.ComponentModel.DataAnnotations;

namespace Kisei.Web.Billing;

/// <summary>How the bill is counted and split. Section <c>Billing</c>.</summary>
public sealed class BillingOptions
{
    public const string Section = "Billing";

    /// <summary>The IANA time zone whose calendar months are the billing periods.</summary>
    [Required]
    public string TimeZone { get; set; } = "Asia/Tokyo";

    /// <summary>What one replica costs per billing period, in yen; the bill is this times the observed replicas.</summary>
    [Range(1, 1e12)]
    public long CostPerReplicaYen { get; set; } = 10_000;

    /// <summary>When set, caps the replicas at floor(budget / CostPerReplicaYen); null means no cap.</summary>
    [Range(1, 1e15)]
    public long? MonthlyBudgetYen { get; set; }

    /// <summary>The share of the budget the projected bill must reach to raise the budget alarm (0.8 warns at 80 %).</summary>
    [Range(0.01, 1)]
    public double BudgetAlarmShare { get; set; } = 0.8;

    /// <summary>How often the cost-shares job stores a snapshot of the shares, in seconds.</summary>
    [Range(1, 3600)]
    public int CostSharesIntervalSeconds { get; set; } = 30;
}
