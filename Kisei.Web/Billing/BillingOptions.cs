using System.ComponentModel.DataAnnotations;

namespace Kisei.Web.Billing;

/// <summary>How the bill is counted. Section <c>Billing</c>.</summary>
public sealed class BillingOptions
{
    public const string Section = "Billing";

    /// <summary>The IANA time zone whose calendar months are the billing periods.</summary>
    [Required]
    public string TimeZone { get; set; } = "Asia/Tokyo";
}
