namespace FreqProbe.Core.Spectral;

/// <summary>How the mask falls off at the radius.</summary>
public enum MaskProfile
{
    /// <summary>A hard 0/1 mask.</summary>
    Ideal,
    /// <summary>Low-pass exp(−d²/(2r²)); high-pass is its complement; band-pass is low(r2) − low(r1).</summary>
    Gaussian,
}
