namespace FreqProbe.Core.Preparation;

/// <summary>How prepared images refer to the originals.</summary>
public enum PlacementMode
{
    /// <summary>Hard links (no extra space; same file system). Falls back to a symbolic link where that fails.</summary>
    HardLink,
    /// <summary>Symbolic links to the originals.</summary>
    SymbolicLink,
    /// <summary>Independent copies.</summary>
    Copy,
}
