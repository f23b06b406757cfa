using System.Diagnostics.CodeAnalysis;

namespace Kisei.Web.Audio;

/// <summary>A WAV file was refused; <see cref="Error"/> says why and the message says it in plain words.</summary>
[SuppressMessage("Design", "CA1032:Implement standard exception constructors",
    Justification = "Every refusal carries its cause; a constructor without one would invite untyped errors.")]
public sealed class WavFormatException(WavError error, string message) : Exception(message)
{
    /// <summary>The cause, one value per kind of refusal.</summary>
    public WavError Error { get; } = error;
}
