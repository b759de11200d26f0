namespace FreqProbe.Core.Spectral;

/// <summary>Which part of the centred spectrum a filter keeps.</summary>
public enum FilterKind
{
    /// <summary>The unfiltered baseline: every coefficient kept.</summary>
    None,
    /// <summary>Keeps d &lt; r.</summary>
    LowPass,
    /// <summary>Keeps d ≥ r, the exact complement of the low-pass.</summary>
    HighPass,
    /// <summary>Keeps r1 ≤ d &lt; r2.</summary>
    BandPass,
}
