using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kisei.Web.Tests.Accounts;

/// <summary>The Data Protection keys are encrypted at rest with the configured certificate, and still read back.</summary>
public sealed class KeyEncryptionTests(PostgresServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_a_certificate_the_keys_are_stored_encrypted_and_a_second_instance_reads_them()
    {
        await using var folder = TemporaryFolder.Create("key-encryption");
        var pfx = folder.Combine("keys.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=kisei-keys-test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pkcs12, "test-password"), Ct);
        }

        var settings = new Dictionary<string, string?>
        {
            ["DataProtection:CertificatePath"] = pfx,
            ["DataProtection:CertificatePassword"] = "test-password",
        };
        await using var database = await server.CreateDatabaseAsync("key-encryption", Ct);
        await using (var first = new KiseiApp(database.ConnectionString, settings))
        {
            using var player = await PlayerClient.SignInAsync(first, "keeper-of-keys");
        }

        await using (var db = database.CreateContext())
        {
            var xml = Assert.Single(await db.DataProtectionKeys.Select(k => k.Xml).ToListAsync(Ct));
            Assert.Contains("EncryptedData", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("unencrypted form", xml, StringComparison.Ordinal);
        }

        // A second instance (a restart, another replica) decrypts that key and signs in with it, rather than making a new one.
        await using var second = new KiseiApp(database.ConnectionString, settings);
        using var client = second.CreateBrowserClient();
        using var signIn = await PlayerClient.PostDevelopmentSignInAsync(client, "second-instance");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        using (var landing = await client.GetAsync("/", Ct))
        {
            Assert.Contains("id=\"recorder\"", await landing.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        await using var check = database.CreateContext();
        Assert.Single(await check.DataProtectionKeys.ToListAsync(Ct));
    }
}
