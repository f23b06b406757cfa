using System.Text.Json.Serialization;

namespace Kisei.Web.Scaling.Kubernetes;

/// <summary>The autoscaling/v1 Scale object the scale subresource returns.</summary>
internal sealed record ScaleObject(string? Kind, ScaleMetadata? Metadata, ScaleReplicas? Spec, ScaleReplicas? Status);

internal sealed record ScaleMetadata(string? Name, string? Namespace);

/// <summary>spec and status both carry replicas; Kubernetes omits a zero.</summary>
internal sealed record ScaleReplicas(int? Replicas);

/// <summary>The body of a JSON merge patch that sets spec.replicas.</summary>
internal sealed record ScalePatch(ScaleReplicas Spec);

/// <summary>The v1 Status object the API returns with an error.</summary>
internal sealed record ApiStatus(string? Kind, string? Message, string? Reason);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ScaleObject))]
[JsonSerializable(typeof(ScalePatch))]
[JsonSerializable(typeof(ApiStatus))]
internal sealed partial class ScaleJsonContext : JsonSerializerContext;
