using System.Globalization;
using System.Text;

namespace Kisei.Web.Data.Postgres;

/// <summary>
/// An exclusive lock on a data folder for as long as one Kisei process manages its server. The
/// lock file sits beside the folder (initdb wants an empty one) and is held open with
/// <see cref="FileShare.None"/>, which .NET turns into <c>flock</c> on Unix. The system drops
/// the lock when its process dies, even by SIGKILL, so a server found running in a folder whose
/// lock is free was left behind by a killed app.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream stream;

    private DataDirectoryLock(FileStream stream) => this.stream = stream;

    /// <summary>The lock file that guards <paramref name="dataDirectory"/>.</summary>
    public static string PathFor(string dataDirectory) =>
        Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory)) + ".lock";

    /// <summary>Takes the lock, or returns null when another process (or another server in this one) holds it.</summary>
    public static DataDirectoryLock? TryAcquire(string dataDirectory)
    {
        var path = PathFor(dataDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }

        try
        {
            // For a curious human: who holds it.
            stream.SetLength(0);
            stream.Write(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
            stream.Flush();
        }
        catch
        {
            // A full disk must not leave the folder locked until the stream is finalized.
            stream.Dispose();
            throw;
        }

        return new DataDirectoryLock(stream);
    }

    public void Dispose() => stream.Dispose();
}
