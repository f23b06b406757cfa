using AspNet.Security.OAuth.GitHub;

namespace Kisei.Web.Accounts;

/// <summary>Who may sign in how. Section <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>"Sign in as NAME" without GitHub; null means on in the Development environment only.</summary>
    public bool? DevelopmentSignIn { get; set; }
}

/// <summary>GitHub OAuth app keys. Section <c>Authentication:GitHub</c>; the callback is <c>/signin-github</c>.</summary>
public sealed class GitHubOptions
{
    public const string Section = "Authentication:GitHub";

    /// <summary>The OAuth app's client id; GitHub sign-in is offered only when it is set.</summary>
    public string? ClientId { get; set; }

    /// <summary>The OAuth app's client secret; keep it out of the repository (environment or a Secret).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>GitHub's authorize endpoint.</summary>
    public string AuthorizationEndpoint { get; set; } = GitHubAuthenticationDefaults.AuthorizationEndpoint;

    /// <summary>GitHub's token endpoint.</summary>
    public string TokenEndpoint { get; set; } = GitHubAuthenticationDefaults.TokenEndpoint;

    /// <summary>GitHub's user endpoint.</summary>
    public string UserInformationEndpoint { get; set; } = GitHubAuthenticationDefaults.UserInformationEndpoint;

    /// <summary>GitHub's e-mail endpoint, asked for the primary address when the profile hides it.</summary>
    public string UserEmailsEndpoint { get; set; } = GitHubAuthenticationDefaults.UserEmailsEndpoint;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret);
}

/// <summary>Site-wide settings. Section <c>Kisei</c>.</summary>
public sealed class KiseiOptions
{
    public const string Section = "Kisei";

    /// <summary>GitHub logins that may use the admin pages (the jobs dashboard).</summary>
    public IList<string> Admins { get; } = [];
}

/// <summary>
/// How the Data Protection keys (which sign and encrypt the sign-in and antiforgery cookies) are
/// encrypted in the database. Section <c>DataProtection</c>. In production, mount the certificate
/// from a Kubernetes Secret (see <c>deploy/k8s</c>). Without one the keys are stored unencrypted,
/// which the log warns about outside Development.
/// </summary>
public sealed class KeyEncryptionOptions
{
    public const string Section = "DataProtection";

    /// <summary>A PKCS#12 (.pfx) file with the certificate and its private key that encrypts the keys.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The .pfx file's password, if it has one; keep it out of the repository.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Older .pfx files, still able to decrypt keys written before a certificate rotation (same password).</summary>
    public IList<string> PreviousCertificatePaths { get; } = [];
}
