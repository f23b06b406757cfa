namespace Kisei.Web;

/// <summary>
/// The marker type for Kisei's UI text. Keys are the Japanese text itself, which is the default
/// language; <c>Resources/SharedResource.en.resx</c> holds the English.
/// </summary>
#pragma warning disable CA1052 // A marker type for IStringLocalizer<T> must be instantiable as a type argument.
public sealed class SharedResource
#pragma warning restore CA1052
{
    private SharedResource()
    {
    }
}
