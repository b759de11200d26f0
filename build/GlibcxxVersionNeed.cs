// Shared by the MSBuild inline task (Directory.Build.targets) and FreqProbe.Core (`freqprobe doctor`).
// FreqProbe.Core compiles it with FREQPROBE_CORE defined, which leaves out the MSBuild task class.
#nullable enable
using System;
using System.IO;
using System.Text;

namespace FreqProbe.Build
{
    /// <summary>What an ELF file says about one symbol-version requirement (a Vernaux entry).</summary>
    public enum VersionNeedState
    {
        /// <summary>The file is not an ELF64 little-endian object, or has no version-need section.</summary>
        NotElf,
        /// <summary>The file does not ask for the version at all.</summary>
        Absent,
        /// <summary>The file asks for the version and the loader will refuse to start without it.</summary>
        Required,
        /// <summary>The file asks for the version with VER_FLG_WEAK, so a missing version is not fatal.</summary>
        Weak,
    }

    /// <summary>
    /// Reads and weakens one entry of an ELF64 <c>.gnu.version_r</c> section. libLibTorchSharp.so 0.107.0 asks for
    /// GLIBCXX_3.4.32 only because of the link-time marker <c>std::ios_base_library_init()</c>; no relocation uses it,
    /// so marking the need weak (glibc's dl-version.c then skips it) lets the library load on GCC 12's libstdc++.
    /// </summary>
    public static class GlibcxxVersionNeed
    {
        /// <summary>The version libLibTorchSharp.so 0.107.0 asks for and Debian 12 lacks.</summary>
        public const string TrapVersion = "GLIBCXX_3.4.32";

        const uint ShtGnuVerneed = 0x6ffffffe;
        const ushort VerFlgWeak = 0x2;

        /// <summary>Reports the state of the need for <paramref name="version"/> in the ELF file at <paramref name="path"/>.</summary>
        public static VersionNeedState Inspect(string path, string version = TrapVersion)
        {
            byte[] image = File.ReadAllBytes(path);
            int flagsOffset = FindFlagsOffset(image, version, out bool isElf);
            if (!isElf) return VersionNeedState.NotElf;
            if (flagsOffset < 0) return VersionNeedState.Absent;
            return (BitConverter.ToUInt16(image, flagsOffset) & VerFlgWeak) != 0 ? VersionNeedState.Weak : VersionNeedState.Required;
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on the need for <paramref name="version"/>, rewriting the file in place only when it changes.
        /// Returns the state after the call.
        /// </summary>
        public static VersionNeedState Weaken(string path, string version = TrapVersion)
        {
            byte[] image = File.ReadAllBytes(path);
            int flagsOffset = FindFlagsOffset(image, version, out bool isElf);
            if (!isElf) return VersionNeedState.NotElf;
            if (flagsOffset < 0) return VersionNeedState.Absent;
            ushort flags = BitConverter.ToUInt16(image, flagsOffset);
            if ((flags & VerFlgWeak) != 0) return VersionNeedState.Weak;
            flags |= VerFlgWeak;
            image[flagsOffset] = (byte)(flags & 0xff);
            image[flagsOffset + 1] = (byte)(flags >> 8);
            // Write beside the target and rename, so an interrupted build never leaves a half-written library.
            string temp = path + ".weaken.tmp";
            File.WriteAllBytes(temp, image);
            if (File.Exists(path)) File.Replace(temp, path, null); else File.Move(temp, path);
            return VersionNeedState.Weak;
        }

        /// <summary>True when the libstdc++ that the loader would pick (standard locations) defines <paramref name="version"/>.</summary>
        public static bool SystemLibStdCxxHas(string version = TrapVersion)
        {
            string[] candidates =
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
                "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            };
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            foreach (string candidate in candidates)
            {
                if (!File.Exists(candidate)) continue;
                return Contains(File.ReadAllBytes(candidate), needle);
            }
            return false;
        }

        static bool Contains(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int k = 0;
                while (k < needle.Length && haystack[i + k] == needle[k]) k++;
                if (k == needle.Length) return true;
            }
            return false;
        }

        // Walks the section headers to the SHT_GNU_verneed section, then its Verneed/Vernaux chains, and returns the
        // file offset of vna_flags for the entry whose name is `version`, or -1.
        static int FindFlagsOffset(byte[] image, string version, out bool isElf)
        {
            isElf = image.Length >= 64 && image[0] == 0x7f && image[1] == (byte)'E' && image[2] == (byte)'L' && image[3] == (byte)'F'
                && image[4] == 2 /* ELFCLASS64 */ && image[5] == 1 /* little-endian */;
            if (!isElf) return -1;
            long shoff = BitConverter.ToInt64(image, 0x28);
            int shentsize = BitConverter.ToUInt16(image, 0x3a);
            int shnum = BitConverter.ToUInt16(image, 0x3c);
            for (int s = 0; s < shnum; s++)
            {
                int header = checked((int)(shoff + (long)s * shentsize));
                if (BitConverter.ToUInt32(image, header + 4) != ShtGnuVerneed) continue;
                int sectionOffset = checked((int)BitConverter.ToInt64(image, header + 0x18));
                int link = (int)BitConverter.ToUInt32(image, header + 0x28);
                int strtabOffset = checked((int)BitConverter.ToInt64(image, checked((int)(shoff + (long)link * shentsize)) + 0x18));
                int need = sectionOffset;
                while (true)
                {
                    int auxCount = BitConverter.ToUInt16(image, need + 2);
                    int aux = need + (int)BitConverter.ToUInt32(image, need + 8);
                    for (int a = 0; a < auxCount; a++)
                    {
                        int nameOffset = strtabOffset + (int)BitConverter.ToUInt32(image, aux + 8);
                        if (NameEquals(image, nameOffset, version)) return aux + 4;
                        aux += (int)BitConverter.ToUInt32(image, aux + 12);
                    }
                    uint next = BitConverter.ToUInt32(image, need + 12);
                    if (next == 0) break;
                    need += (int)next;
                }
                return -1;
            }
            return -1;
        }

        static bool NameEquals(byte[] image, int offset, string name)
        {
            for (int i = 0; i < name.Length; i++)
            {
                if (offset + i >= image.Length || image[offset + i] != (byte)name[i]) return false;
            }
            return offset + name.Length < image.Length && image[offset + name.Length] == 0;
        }
    }

#if !FREQPROBE_CORE
    /// <summary>MSBuild task: weakens the GLIBCXX_3.4.32 need of every libLibTorchSharp.so below a folder.</summary>
    public sealed class WeakenGlibcxxNeed : Microsoft.Build.Utilities.Task
    {
        /// <summary>The folder to search (an output or publish directory).</summary>
        [Microsoft.Build.Framework.Required]
        public string Directory { get; set; } = "";

        /// <summary>auto: only when the system libstdc++ lacks the version; always; never.</summary>
        public string Mode { get; set; } = "auto";

        public override bool Execute()
        {
            if (Mode == "never" || !System.IO.Directory.Exists(Directory)) return true;
            if (Mode == "auto" && (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux) || GlibcxxVersionNeed.SystemLibStdCxxHas())) return true;
            foreach (string library in System.IO.Directory.EnumerateFiles(Directory, "libLibTorchSharp.so", SearchOption.AllDirectories))
            {
                VersionNeedState before = GlibcxxVersionNeed.Inspect(library);
                if (before != VersionNeedState.Required) continue;
                GlibcxxVersionNeed.Weaken(library);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                    $"freqprobe: marked {GlibcxxVersionNeed.TrapVersion} weak in {library} (this machine's libstdc++ lacks it)");
            }
            return true;
        }
    }
#endif
}
