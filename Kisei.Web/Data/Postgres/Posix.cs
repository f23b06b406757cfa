using System.Runtime.InteropServices;

namespace Kisei.Web.Data.Postgres;

/// <summary>
/// The few POSIX calls .NET does not expose: owners of files, changing them, account lookup and
/// signals. Only called on Unix; <c>statx</c> only on Linux, where its layout is the same on
/// every architecture (unlike <c>struct stat</c>).
/// </summary>
internal static unsafe partial class Posix
{
    public const int SignalInterrupt = 2;
    public const int SignalQuit = 3;
    public const int SignalKill = 9;
    public const int SignalTerminate = 15;

    /// <summary>SIGSTOP on Linux; tests use it to freeze a process.</summary>
    public const int SignalStopOnLinux = 19;

    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int ErrnoNoSuchProcess = 3;
    private const int ErrnoPermissionDenied = 1;

    /// <summary>Owner, group, mode and identity of a file, or null when it cannot be read or this is not Linux.</summary>
    public static FileStatus? TryGetStatus(string path, bool followLinks = true)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        var buffer = stackalloc byte[256];
        if (Statx(AtCurrentDirectory, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
            return null;
        // Offsets from linux/stat.h, struct statx.
        return new FileStatus(
            Uid: *(uint*)(buffer + 20),
            Gid: *(uint*)(buffer + 24),
            Mode: *(ushort*)(buffer + 28),
            Inode: *(ulong*)(buffer + 32),
            DeviceMajor: *(uint*)(buffer + 136),
            DeviceMinor: *(uint*)(buffer + 140));
    }

    /// <summary>Changes the owner of a file without following a symbolic link.</summary>
    public static void ChangeOwner(string path, uint uid, uint gid)
    {
        if (LChown(path, uid, gid) != 0)
            throw new IOException($"Could not change the owner of {path} to {uid}:{gid} (errno {Marshal.GetLastPInvokeError()}).");
    }

    /// <summary>The uid and primary gid of an account, or null when the system does not know it.</summary>
    public static (uint Uid, uint Gid)? FindAccount(string userName)
    {
        // struct passwd starts with two pointers (name, password), then uid_t and gid_t, on
        // glibc, musl and macOS alike.
        var entry = GetPasswordEntry(userName);
        if (entry == 0)
            return null;
        var bytes = (byte*)entry + 2 * sizeof(nint);
        return (*(uint*)bytes, *(uint*)(bytes + 4));
    }

    /// <summary>True when a process with this id exists, even if it belongs to another user.</summary>
    public static bool ProcessExists(int pid)
    {
        if (pid <= 0)
            return false;
        var exists = Kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == ErrnoPermissionDenied;
        return exists && !IsZombie(pid);
    }

    /// <summary>Sends a signal; false when the process is already gone.</summary>
    public static bool TrySignal(int pid, int signal)
    {
        if (Kill(pid, signal) == 0)
            return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == ErrnoNoSuchProcess)
            return false;
        throw new IOException($"Could not send signal {signal} to process {pid} (errno {errno}).");
    }

    // A killed daemon whose parent does not reap it stays a zombie: it holds no files and no
    // memory, so for our purposes it is gone.
    private static bool IsZombie(int pid)
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat.LastIndexOf(')');
            return afterName >= 0 && afterName + 2 < stat.Length && stat[afterName + 2] is 'Z' or 'X';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChown(string path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetPasswordEntry(string userName);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>What <see cref="Posix.TryGetStatus"/> reads about a file.</summary>
internal readonly record struct FileStatus(uint Uid, uint Gid, ushort Mode, ulong Inode, uint DeviceMajor, uint DeviceMinor)
{
    private const ushort TypeMask = 0xF000;
    private const ushort TypeDirectory = 0x4000;

    public bool IsDirectory => (Mode & TypeMask) == TypeDirectory;
    public int Permissions => Mode & 0xFFF;

    public bool IsSameFileAs(FileStatus other) =>
        Inode == other.Inode && DeviceMajor == other.DeviceMajor && DeviceMinor == other.DeviceMinor;
}
