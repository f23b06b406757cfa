namespace Kisei.Web.Accounts;

/// <summary>One Data Protection key ring element, shared by every replica through the database.</summary>
public class DataProtectionKey
{
    public int Id { get; set; }

    public string? FriendlyName { get; set; }

    public required string Xml { get; set; }
}
