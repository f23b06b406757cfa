namespace Kisei.Web.Billing;

/// <summary>
/// One run of the cost-shares job (docs/design.md §1.3): the bill at that moment and what each active player pays
/// of it. Pages show the latest; a player's shares over a period plot their history.
/// </summary>
public class ShareSnapshot
{
    public long Id { get; set; }

    public DateTimeOffset TakenAt { get; set; }

    /// <summary>The first day of the billing period whose standings were split.</summary>
    public DateOnly Period { get; set; }

    /// <summary>CostPerReplicaYen × ObservedReplicas.</summary>
    public long BillYen { get; set; }

    /// <summary>The price per replica this bill was counted at, kept because the setting can change.</summary>
    public long CostPerReplicaYen { get; set; }

    /// <summary>The replicas the cluster reported running (status.replicas), not the target.</summary>
    public int ObservedReplicas { get; set; }

    /// <summary>True when the replicas came from the simulated cluster.</summary>
    public bool IsSimulated { get; set; }

    /// <summary>S: the sum of the active players' standings.</summary>
    public decimal TotalScore { get; set; }

    /// <summary>One per active player; none when nobody has scored this period.</summary>
    public List<PlayerShare> Shares { get; set; } = [];
}

/// <summary>One active player's standing and share in a <see cref="ShareSnapshot"/>.</summary>
public class PlayerShare
{
    public long SnapshotId { get; set; }

    public long PlayerId { get; set; }

    /// <summary>The sum of the player's scores this period, at the snapshot.</summary>
    public decimal Standing { get; set; }

    /// <summary>What the player pays of the bill, in whole yen; the shares add up to the bill.</summary>
    public long ShareYen { get; set; }
}
