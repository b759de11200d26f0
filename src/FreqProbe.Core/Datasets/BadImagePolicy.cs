namespace FreqProbe.Core.Datasets;

/// <summary>What to do with an image that cannot be decoded.</summary>
public enum BadImagePolicy
{
    /// <summary>Stop with an error naming the file.</summary>
    Fail,
    /// <summary>Leave the image out, report it and count it in the results.</summary>
    Skip,
}
