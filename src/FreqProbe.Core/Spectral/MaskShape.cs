namespace FreqProbe.Core.Spectral;

/// <summary>The distance used to compare a frequency with a radius.</summary>
public enum MaskShape
{
    /// <summary>Euclidean distance √(u² + v²).</summary>
    Circle,
    /// <summary>Chebyshev distance max(|u|, |v|).</summary>
    Square,
}
