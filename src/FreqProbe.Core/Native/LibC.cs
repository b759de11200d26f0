using System.Runtime.InteropServices;

namespace FreqProbe.Core.Native;

/// <summary>The libc calls .NET does not wrap: the native process environment, and paths with symlinks resolved.</summary>
internal static partial class LibC
{
    /// <summary>setenv(3): sets a variable in the native environment, which native libraries read (.NET's own copy does not reach them).</summary>
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SetEnv(string name, string value, int overwrite);

    /// <summary>getenv(3).</summary>
    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr GetEnv(string name);

    /// <summary>realpath(3) with a null buffer: a malloc'd path to give to <see cref="Free"/>, or null.</summary>
    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr RealPath(string path, IntPtr resolved);

    /// <summary>free(3).</summary>
    [LibraryImport("libc", EntryPoint = "free")]
    internal static partial void Free(IntPtr pointer);
}
