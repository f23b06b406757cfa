using System.Text;
using System.Text.Json;
using Kisei.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Kisei.Web.Tests.Scaling.Kubernetes;

/// <summary>
/// The whole app against a stand-in API server named by a kubeconfig, as an operator would start it
/// with KUBECONFIG: it reads its Deployment's scale and merge-patches it with the token, and the
/// pages show the cluster's replicas, not simulated ones.
/// </summary>
public sealed class KubernetesEndToEndTests(PostgresServerFixture server) : IAsyncLifetime
{
    private const string Token = "end-to-end-token";
    private readonly string folder = Directory.CreateTempSubdirectory("kisei-kube-").FullName;
    private FakeApiServer? api;
    private int desiredReplicas = 1;

    public async ValueTask InitializeAsync()
    {
        api = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        api.Respond = async context =>
        {
            if (HttpMethods.IsPatch(context.Request.Method))
            {
                var patch = JsonDocument.Parse(api.Requests.Last().Body).RootElement;
                desiredReplicas = patch.GetProperty("spec").GetProperty("replicas").GetInt32();
            }

            await FakeApiServer.WriteScaleAsync(context, desiredReplicas, desiredReplicas, ns: "games");
        };
    }

    [Fact]
    public async Task Kisei_reads_and_merge_patches_the_deployment_scale_with_the_kubeconfig_token()
    {
        var kubeconfig = Path.Combine(folder, "config");
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            current-context: stand-in
            clusters:
            - name: stand-in
              cluster:
                server: https://127.0.0.1:{api!.Port}
                certificate-authority-data: {Convert.ToBase64String(Encoding.ASCII.GetBytes(TestPki.Shared.CaPem))}
            users:
            - name: kisei
              user:
                token: {Token}
            contexts:
            - name: stand-in
              context:
                cluster: stand-in
                user: kisei
                namespace: games
            """, TestContext.Current.CancellationToken);
        await using var database = await server.CreateDatabaseAsync("kube", TestContext.Current.CancellationToken);
        await using var app = new KiseiApp(database.ConnectionString, new Dictionary<string, string?>
        {
            ["Scaling:Mode"] = "Kubernetes",
            ["Scaling:Kubernetes:KubeconfigPath"] = kubeconfig,
            ["Scaling:IntervalSeconds"] = "1",
            ["Scaling:PointsPerReplica"] = "20",
            ["Billing:CostSharesIntervalSeconds"] = "1",
        });
        app.StartServer();
        using var alice = await PlayerClient.SignInAsync(app, "alice-kube");

        // A loud scream scores well over 20 points, so the target becomes at least 2 replicas.
        await alice.WaitUntilScoredAsync(await alice.UploadAcceptedAsync(TestClips.Scream(amplitude: 0.9)));
        await Wait.UntilAsync(() => api.Requests.Any(r => r.Method == "PATCH"), "Kisei patches the Deployment's scale");

        var requests = api.Requests.ToArray();
        Assert.All(requests, r => Assert.Equal("/apis/apps/v1/namespaces/games/deployments/kisei/scale", r.Path));
        Assert.All(requests, r => Assert.Equal($"Bearer {Token}", r.Authorization));
        Assert.Contains(requests, r => r.Method == "GET");
        var patch = requests.First(r => r.Method == "PATCH");
        Assert.Equal("application/merge-patch+json", patch.ContentType?.Split(';')[0]);
        var replicas = JsonDocument.Parse(patch.Body).RootElement.GetProperty("spec").GetProperty("replicas").GetInt32();
        Assert.True(replicas >= 2, $"patched to {replicas}");

        // The header shows the cluster's own count, not a simulated one.
        await Wait.UntilAsync(
            () => alice.GetDocumentAsync("/").GetAwaiter().GetResult().QuerySelector("[data-testid=replicas]")?.TextContent == desiredReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "the header shows the patched replica count");
        var home = await alice.GetDocumentAsync("/");
        Assert.Null(home.QuerySelector("[data-testid=simulated]"));
    }

    public async ValueTask DisposeAsync()
    {
        if (api is not null)
        {
            await api.DisposeAsync();
        }

        Directory.Delete(folder, recursive: true);
    }
}
