using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Kisei.Web.Scaling;
using Kisei.Web.Scaling.Kubernetes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kisei.Web.Tests.Scaling.Kubernetes;

public sealed class KubernetesScalerTests
{
    private const string ScalePath = "/apis/apps/v1/namespaces/team-a/deployments/kisei/scale";

    [Fact]
    public async Task Get_reads_the_scale_subresource_with_the_service_account_token()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = context => FakeApiServer.WriteScaleAsync(context, desired: 3, observed: 2);
        using var serviceAccount = ScalerHost.ServiceAccountFolder(token: "token-a");
        await using var host = ScalerHost.InCluster(server, serviceAccount);

        var scale = await host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(new DeploymentScale("team-a", "kisei", DesiredReplicas: 3, ObservedReplicas: 2), scale);
        var request = Assert.Single(server.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal(ScalePath, request.Path);
        Assert.Equal("Bearer token-a", request.Authorization);
        Assert.False(host.Scaler.IsSimulated);
    }

    [Fact]
    public async Task Set_replicas_sends_a_merge_patch_of_spec_replicas()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = context => FakeApiServer.WriteScaleAsync(context, desired: 4, observed: 1);
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount);

        var scale = await host.Scaler.SetReplicasAsync(4, TestContext.Current.CancellationToken);

        Assert.Equal(new DeploymentScale("team-a", "kisei", 4, 1), scale);
        var request = Assert.Single(server.Requests);
        Assert.Equal("PATCH", request.Method);
        Assert.Equal(ScalePath, request.Path);
        Assert.Equal("application/merge-patch+json", request.ContentType?.Split(';')[0]);
        Assert.Equal("Bearer token-a", request.Authorization);
        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Equal("spec", Assert.Single(root.EnumerateObject()).Name);
        var spec = Assert.Single(root.GetProperty("spec").EnumerateObject());
        Assert.Equal("replicas", spec.Name);
        Assert.Equal(4, spec.Value.GetInt32());
    }

    [Fact]
    public async Task Absent_replicas_count_as_zero()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = context => FakeApiServer.WriteScaleAsync(context, desired: null, observed: null);
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount);

        var scale = await host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, scale.DesiredReplicas);
        Assert.Equal(0, scale.ObservedReplicas);
    }

    [Fact]
    public async Task Configured_namespace_and_deployment_win_over_the_service_account()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = context => FakeApiServer.WriteScaleAsync(context, 1, 1, ns: "games", name: "screamer");
        using var serviceAccount = ScalerHost.ServiceAccountFolder(ns: "team-a");
        await using var host = ScalerHost.InCluster(server, serviceAccount, new()
        {
            ["Scaling:Namespace"] = "games",
            ["Scaling:Deployment"] = "screamer",
        });

        var scale = await host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken);

        Assert.Equal("/apis/apps/v1/namespaces/games/deployments/screamer/scale", Assert.Single(server.Requests).Path);
        Assert.Equal(("games", "screamer"), (scale.Namespace, scale.Deployment));
    }

    [Fact]
    public async Task The_token_file_is_read_again_before_each_call()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        using var serviceAccount = ScalerHost.ServiceAccountFolder(token: "token-a");
        await using var host = ScalerHost.InCluster(server, serviceAccount);
        var scaler = host.Scaler;

        await scaler.GetScaleAsync(TestContext.Current.CancellationToken);
        serviceAccount.Write("token", "token-b\n");
        await scaler.SetReplicasAsync(2, TestContext.Current.CancellationToken);

        Assert.Equal(["Bearer token-a", "Bearer token-b"], server.Requests.Select(request => request.Authorization));
    }

    [Fact]
    public async Task A_401_in_cluster_reads_the_rotated_token_and_retries_once()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        using var serviceAccount = ScalerHost.ServiceAccountFolder(token: "token-old");
        server.Respond = context =>
        {
            if (context.Request.Headers.Authorization == "Bearer token-new")
            {
                return FakeApiServer.WriteScaleAsync(context, 2, 2);
            }

            // The kubelet rotates the projected token just after the client read it.
            serviceAccount.Write("token", "token-new");
            return FakeApiServer.WriteStatusAsync(context, 401, "Unauthorized");
        };
        await using var host = ScalerHost.InCluster(server, serviceAccount, new() { ["Scaling:Kubernetes:MaxAttempts"] = "1" });

        var scale = await host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, scale.ObservedReplicas);
        Assert.Equal(["Bearer token-old", "Bearer token-new"], server.Requests.Select(request => request.Authorization));
        Assert.Contains(host.Logs.Entries, entry => entry.Message.Contains("reading the token file", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_401_that_persists_after_the_token_is_read_again_is_recorded()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = context => FakeApiServer.WriteStatusAsync(context, 401, "Unauthorized");
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken));

        Assert.Equal(KubernetesErrorKind.Unauthorized, error.Kind);
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal("Unauthorized", error.ApiMessage);
        Assert.Equal(2, error.Attempts);
        Assert.Equal(2, server.Requests.Count);
    }

    [Theory]
    [InlineData(403, KubernetesErrorKind.Forbidden,
        "deployments.apps \"kisei\" is forbidden: User \"system:serviceaccount:team-a:kisei\" cannot get resource \"deployments/scale\"")]
    [InlineData(404, KubernetesErrorKind.NotFound, "deployments.apps \"kisei\" not found")]
    [InlineData(422, KubernetesErrorKind.Rejected, "Scale.autoscaling \"kisei\" is invalid: spec.replicas: Invalid value: -1")]
    public async Task Errors_that_another_attempt_cannot_fix_are_not_retried(int code, KubernetesErrorKind kind, string message)
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = context => FakeApiServer.WriteStatusAsync(context, code, message);
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount, new() { ["Scaling:Kubernetes:MaxAttempts"] = "3" });

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => host.Scaler.SetReplicasAsync(3, TestContext.Current.CancellationToken));

        Assert.Equal(kind, error.Kind);
        Assert.Equal((HttpStatusCode)code, error.StatusCode);
        Assert.Equal(message, error.ApiMessage);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Attempts);
        Assert.Single(server.Requests);
        Assert.DoesNotContain(host.Logs.Entries, entry => entry.Message.Contains("retrying in", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(409, KubernetesErrorKind.Conflict, "Operation cannot be fulfilled on deployments.apps \"kisei\": the object has been modified")]
    [InlineData(500, KubernetesErrorKind.ServerError, "etcdserver: request timed out")]
    [InlineData(503, KubernetesErrorKind.ServerError, "the server is currently unable to handle the request")]
    public async Task Transient_errors_are_retried_with_backoff_up_to_the_attempt_limit(int code, KubernetesErrorKind kind, string message)
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = context => FakeApiServer.WriteStatusAsync(context, code, message);
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount, new() { ["Scaling:Kubernetes:MaxAttempts"] = "4" });

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => host.Scaler.SetReplicasAsync(2, TestContext.Current.CancellationToken));

        Assert.Equal(kind, error.Kind);
        Assert.Equal((HttpStatusCode)code, error.StatusCode);
        Assert.Equal(message, error.ApiMessage);
        Assert.Equal(4, error.Attempts);
        Assert.Equal(4, server.Requests.Count);
        Assert.All(server.Requests, request => Assert.Equal("PATCH", request.Method));
        // Three waits, none longer than MaxBackoff (50 ms in these tests).
        var delays = RetryDelays(host);
        Assert.Equal(3, delays.Length);
        Assert.All(delays, delay => Assert.InRange(delay, 0, 50));
        Assert.Single(host.Logs.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains("failed after 4 attempt(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_transient_error_followed_by_success_returns_the_scale()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = context => server.Requests.Count == 1
            ? FakeApiServer.WriteStatusAsync(context, 500, "try again")
            : FakeApiServer.WriteScaleAsync(context, 5, 3);
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount);

        var scale = await host.Scaler.SetReplicasAsync(5, TestContext.Current.CancellationToken);

        Assert.Equal((5, 3), (scale.DesiredReplicas, scale.ObservedReplicas));
        Assert.Equal(2, server.Requests.Count);
        Assert.Single(RetryDelays(host));
    }

    [Fact]
    public async Task Too_many_requests_waits_as_long_as_retry_after_asks()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = context =>
        {
            if (server.Requests.Count > 1)
            {
                return FakeApiServer.WriteScaleAsync(context, 1, 1);
            }

            context.Response.Headers.RetryAfter = "1";
            return FakeApiServer.WriteStatusAsync(context, 429, "Too many requests, please try again later.");
        };
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount, new() { ["Scaling:Kubernetes:MaxBackoff"] = "00:00:05" });

        await host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1000, Assert.Single(RetryDelays(host)));
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task A_request_that_outlasts_the_timeout_is_retried_then_recorded_as_a_timeout()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = server.HangAsync;
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount, new()
        {
            ["Scaling:Kubernetes:RequestTimeout"] = "00:00:00.300",
            ["Scaling:Kubernetes:MaxAttempts"] = "2",
        });

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken));

        Assert.Equal(KubernetesErrorKind.Timeout, error.Kind);
        Assert.Null(error.StatusCode);
        Assert.Null(error.ApiMessage);
        Assert.Equal(2, error.Attempts);
        Assert.Equal(2, server.Requests.Count);
        Assert.Single(RetryDelays(host));
    }

    [Fact]
    public async Task Cancelling_the_call_is_not_recorded_as_a_timeout()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = server.HangAsync;
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var call = host.Scaler.GetScaleAsync(cancellation.Token);
        await server.WaitForRequestsAsync(1);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task A_refused_connection_is_recorded_as_unreachable_after_every_attempt()
    {
        // A port that was just free and has no listener now.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.Create(
            new Dictionary<string, string?>
            {
                ["Scaling:Kubernetes:ServiceAccountPath"] = serviceAccount.Path,
                ["Scaling:Kubernetes:MaxAttempts"] = "3",
            },
            new Dictionary<string, string?> { ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1", ["KUBERNETES_SERVICE_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken));

        Assert.Equal(KubernetesErrorKind.Unreachable, error.Kind);
        Assert.Null(error.StatusCode);
        Assert.Equal(3, error.Attempts);
        Assert.Equal(2, RetryDelays(host).Length);
    }

    [Fact]
    public async Task An_error_body_that_is_not_a_status_gives_no_api_message()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = context =>
        {
            context.Response.StatusCode = 502;
            context.Response.ContentType = "text/html";
            return context.Response.WriteAsync("<html><body>Bad gateway</body></html>");
        };
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount, new() { ["Scaling:Kubernetes:MaxAttempts"] = "1" });

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken));

        Assert.Equal(KubernetesErrorKind.ServerError, error.Kind);
        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Null(error.ApiMessage);
    }

    [Theory]
    [InlineData("{\"kind\":\"Status\",\"status\":\"Success\"}")]
    [InlineData("<html>proxy login</html>")]
    [InlineData("{\"kind\":\"Scale\",\"spec\":{\"replicas\":-2},\"status\":{}}")]
    public async Task A_success_answer_that_is_not_a_valid_scale_is_an_invalid_response(string body)
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        server.Respond = context => context.Response.WriteAsync(body);
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => host.Scaler.GetScaleAsync(TestContext.Current.CancellationToken));

        Assert.Equal(KubernetesErrorKind.InvalidResponse, error.Kind);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task A_missing_token_file_is_a_credentials_error_without_a_request()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount);
        var scaler = host.Scaler;
        File.Delete(Path.Combine(serviceAccount.Path, "token"));

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => scaler.GetScaleAsync(TestContext.Current.CancellationToken));

        Assert.Equal(KubernetesErrorKind.Credentials, error.Kind);
        Assert.Contains("token", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Negative_replicas_are_refused_before_any_request()
    {
        await using var server = await FakeApiServer.StartAsync(TestPki.Shared.ServerCertificate);
        using var serviceAccount = ScalerHost.ServiceAccountFolder();
        await using var host = ScalerHost.InCluster(server, serviceAccount);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => host.Scaler.SetReplicasAsync(-1, TestContext.Current.CancellationToken));

        Assert.Empty(server.Requests);
    }

    /// <summary>The waits the retry strategy chose, in milliseconds, from its log lines.</summary>
    private static long[] RetryDelays(ScalerHost host) =>
        [.. host.Logs.Entries
            .Select(entry => System.Text.RegularExpressions.Regex.Match(entry.Message, @"retrying in (\d+) ms"))
            .Where(match => match.Success)
            .Select(match => long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];
}
