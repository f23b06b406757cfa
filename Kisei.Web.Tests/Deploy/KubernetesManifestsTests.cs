using Kisei.Web.Scaling.Kubernetes;
using YamlDotNet.Serialization;

namespace Kisei.Web.Tests.Deploy;

/// <summary>Reads every file in deploy/k8s as YAML and checks that the objects fit together.</summary>
public sealed class KubernetesManifestsTests
{
    private static readonly string Folder = FindManifestFolder();

    [Theory]
    [InlineData("serviceaccount.yaml", "v1", "ServiceAccount")]
    [InlineData("role.yaml", "rbac.authorization.k8s.io/v1", "Role")]
    [InlineData("rolebinding.yaml", "rbac.authorization.k8s.io/v1", "RoleBinding")]
    [InlineData("deployment.yaml", "apps/v1", "Deployment")]
    [InlineData("service.yaml", "v1", "Service")]
    [InlineData("secret.example.yaml", "v1", "Secret")]
    [InlineData("kustomization.yaml", "kustomize.config.k8s.io/v1beta1", "Kustomization")]
    public void Each_manifest_is_the_object_its_name_says(string file, string apiVersion, string kind)
    {
        var manifest = Load(file);

        Assert.Equal(apiVersion, Text(manifest, "apiVersion"));
        Assert.Equal(kind, Text(manifest, "kind"));
        if (kind != "Kustomization")
        {
            Assert.False(string.IsNullOrEmpty(Text(manifest, "metadata", "name")));
        }
    }

    [Fact]
    public void The_kustomization_lists_every_manifest_but_the_example_secret()
    {
        var listed = List(Load("kustomization.yaml"), "resources").Cast<string>().Order(StringComparer.Ordinal);
        var files = Directory.GetFiles(Folder, "*.yaml").Select(Path.GetFileName)
            .Where(name => name is not "kustomization.yaml" and not "secret.example.yaml")
            .Order(StringComparer.Ordinal);

        Assert.Equal(files, listed);
    }

    [Fact]
    public void The_role_grants_exactly_the_scale_subresource_and_reading_the_deployment()
    {
        var rules = List(Load("role.yaml"), "rules")
            .Select(rule => string.Join(" | ",
                string.Join(",", Map(rule).Keys.Cast<string>().Order(StringComparer.Ordinal)),
                string.Join(",", Strings(rule, "apiGroups")),
                string.Join(",", Strings(rule, "resources")),
                string.Join(",", Strings(rule, "resourceNames")),
                string.Join(",", Strings(rule, "verbs"))));
        var deployment = Text(Load("deployment.yaml"), "metadata", "name");

        Assert.Equal(
            [
                $"apiGroups,resourceNames,resources,verbs | apps | deployments/scale | {deployment} | get,patch,update",
                $"apiGroups,resourceNames,resources,verbs | apps | deployments | {deployment} | get",
            ],
            rules);
    }

    [Fact]
    public void The_role_binding_binds_the_role_to_the_service_account()
    {
        var binding = Load("rolebinding.yaml");

        Assert.Equal(
            ("rbac.authorization.k8s.io", "Role", Text(Load("role.yaml"), "metadata", "name")),
            (Text(binding, "roleRef", "apiGroup"), Text(binding, "roleRef", "kind"), Text(binding, "roleRef", "name")));
        var subject = Assert.Single(List(binding, "subjects"));
        Assert.Equal("ServiceAccount", Text(subject, "kind"));
        Assert.Equal(Text(Load("serviceaccount.yaml"), "metadata", "name"), Text(subject, "name"));
    }

    [Fact]
    public void The_deployment_is_the_one_the_scaler_targets_and_runs_as_the_service_account()
    {
        var deployment = Load("deployment.yaml");

        Assert.Equal(new ClusterOptions().Deployment, Text(deployment, "metadata", "name"));
        Assert.Equal(Text(Load("serviceaccount.yaml"), "metadata", "name"), Text(deployment, "spec", "template", "spec", "serviceAccountName"));
        // Kisei owns spec.replicas; a replicas field here would reset it on every apply.
        Assert.False(Map(Map(deployment)["spec"]).ContainsKey("replicas"));
        Assert.Equal(Labels(deployment, "spec", "selector", "matchLabels"), Labels(deployment, "spec", "template", "metadata", "labels"));
    }

    [Fact]
    public void The_container_has_both_probes_on_its_port_and_resources_for_the_base_model()
    {
        var container = Container();

        Assert.Equal("/healthz", Text(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal("/readyz", Text(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("8080", ResolvePort(container, Text(container, "livenessProbe", "httpGet", "port")));
        Assert.Equal("8080", ResolvePort(container, Text(container, "readinessProbe", "httpGet", "port")));
        Assert.Equal("512Mi", Text(container, "resources", "requests", "memory"));
        Assert.Equal("1Gi", Text(container, "resources", "limits", "memory"));
        Assert.False(string.IsNullOrEmpty(Text(container, "resources", "requests", "cpu")));
    }

    [Fact]
    public void The_container_takes_its_secrets_from_the_secret_and_demands_a_real_cluster()
    {
        var secret = Load("secret.example.yaml");
        var secretKeys = Map(Map(secret)["stringData"]).Keys.Cast<string>().ToHashSet();
        var env = List(Container(), "env").ToDictionary(entry => Text(entry, "name")!);

        Assert.Equal("Kubernetes", Text(env["Scaling__Mode"], "value"));
        foreach (var name in new[] { "ConnectionStrings__Postgres", "Authentication__GitHub__ClientId", "Authentication__GitHub__ClientSecret" })
        {
            Assert.Equal(Text(secret, "metadata", "name"), Text(env[name], "valueFrom", "secretKeyRef", "name"));
            Assert.Contains(Text(env[name], "valueFrom", "secretKeyRef", "key") ?? "", secretKeys);
        }
    }

    [Fact]
    public void The_example_secret_holds_only_placeholders()
    {
        var values = Map(Map(Load("secret.example.yaml"))["stringData"]).Values.Cast<string>().ToList();

        Assert.Equal(3, values.Count);
        Assert.All(values, value => Assert.Contains("CHANGE-ME", value, StringComparison.Ordinal));
    }

    [Fact]
    public void The_container_runs_without_root_on_a_read_only_filesystem_with_a_writable_tmp()
    {
        var pod = Map(Map(Map(Map(Load("deployment.yaml"))["spec"])["template"])["spec"]);
        var container = Container();

        Assert.Equal("true", Text(pod, "securityContext", "runAsNonRoot"));
        Assert.Equal("true", Text(container, "securityContext", "readOnlyRootFilesystem"));
        Assert.Equal("false", Text(container, "securityContext", "allowPrivilegeEscalation"));
        Assert.Equal(["ALL"], Strings(Map(Map(container)["securityContext"])["capabilities"], "drop"));
        var mount = Assert.Single(List(container, "volumeMounts"));
        Assert.Equal("/tmp", Text(mount, "mountPath"));
        var volume = Assert.Single(List(pod, "volumes"));
        Assert.Equal(Text(mount, "name"), Text(volume, "name"));
        Assert.True(Map(volume).ContainsKey("emptyDir"));
    }

    [Fact]
    public void The_service_sends_port_80_to_the_container_port()
    {
        var service = Load("service.yaml");
        var port = Assert.Single(List(service, "spec", "ports"));

        Assert.Equal("ClusterIP", Text(service, "spec", "type"));
        Assert.Equal("80", Text(port, "port"));
        Assert.Equal("8080", ResolvePort(Container(), Text(port, "targetPort")));
        Assert.Equal(Labels(Load("deployment.yaml"), "spec", "template", "metadata", "labels"), Labels(service, "spec", "selector"));
    }

    private static object Container() =>
        Assert.Single(List(Load("deployment.yaml"), "spec", "template", "spec", "containers"));

    /// <summary>A probe or Service port is a number or the name of a container port; either way, the number.</summary>
    private static string? ResolvePort(object container, string? port) =>
        List(container, "ports").Where(entry => Text(entry, "name") == port || Text(entry, "containerPort") == port)
            .Select(entry => Text(entry, "containerPort"))
            .SingleOrDefault();

    private static object Load(string file) =>
        new DeserializerBuilder().Build().Deserialize<object>(File.ReadAllText(Path.Combine(Folder, file)))
        ?? throw new InvalidDataException($"{file} is empty.");

    private static Dictionary<object, object> Map(object? node) =>
        Assert.IsType<Dictionary<object, object>>(node);

    private static object? At(object node, params string[] path)
    {
        object? current = node;
        foreach (var key in path)
        {
            current = current is Dictionary<object, object> map && map.TryGetValue(key, out var next) ? next : null;
        }

        return current;
    }

    private static string? Text(object node, params string[] path) => At(node, path) as string;

    private static List<object> List(object node, params string[] path) => Assert.IsType<List<object>>(At(node, path));

    private static List<string> Strings(object node, string key) => List(node, key).Cast<string>().ToList();

    private static string Labels(object node, params string[] path) =>
        string.Join(",", Map(At(node, path)).Select(label => $"{label.Key}={label.Value}").Order(StringComparer.Ordinal));

    private static string FindManifestFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Kisei.sln")))
            {
                return Path.Combine(folder.FullName, "deploy", "k8s");
            }
        }

        throw new DirectoryNotFoundException("Kisei.sln was not found above the test output folder.");
    }
}
