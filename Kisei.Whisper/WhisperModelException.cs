namespace Kisei.Whisper;

/// <summary>What is wrong with a model file.</summary>
public enum WhisperModelError
{
    /// <summary>The file could not be opened or read.</summary>
    Unreadable,

    /// <summary>The file does not start with the ggml magic number.</summary>
    BadMagic,

    /// <summary>A hyperparameter is out of range or inconsistent with another.</summary>
    BadHyperparameters,

    /// <summary>The weight type (ftype) in the header is not one this engine reads.</summary>
    UnsupportedFileType,

    /// <summary>A tensor is stored in a type this engine does not read.</summary>
    UnsupportedTensorType,

    /// <summary>A tensor's type differs from the one the header's ftype implies.</summary>
    WrongTensorType,

    /// <summary>A tensor the model needs is not in the file.</summary>
    MissingTensor,

    /// <summary>A tensor's shape does not match the hyperparameters.</summary>
    MisshapedTensor,

    /// <summary>A tensor name appears twice, or is not part of a Whisper model.</summary>
    UnexpectedTensor,

    /// <summary>The file ends in the middle of a header, the vocabulary or a tensor.</summary>
    Truncated,
}

/// <summary>A Whisper model file that cannot be used, with the reason as <see cref="Error"/>.</summary>
public sealed class WhisperModelException(WhisperModelError error, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public WhisperModelError Error { get; } = error;
}
