using System.Xml.Linq;
using Kisei.Web.Data;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;

namespace Kisei.Web.Accounts;

/// <summary>
/// Keeps the Data Protection key ring in the database, so every replica can read the cookies and
/// antiforgery tokens the others issued (DESIGN §5.3). The keys are stored as ASP.NET Core writes
/// them; anyone who can read the database can read the keys, as with the package this replaces.
/// </summary>
internal sealed class DatabaseXmlRepository(IDbContextFactory<KiseiDbContext> contexts) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var db = contexts.CreateDbContext();
        return db.DataProtectionKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).ToList()
            .Select(xml => XElement.Parse(xml))
            .ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var db = contexts.CreateDbContext();
        db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }
}
