namespace FreqProbe.Core.Datasets;

/// <summary>An image that cannot be decoded. The message names the file and the decoder's reason.</summary>
public sealed class BadImageException : Exception
{
    /// <summary>Creates the exception for the image at <paramref name="path"/>.</summary>
    public BadImageException(string path, string reason, Exception? inner = null)
        : base($"{path}: cannot decode image: {reason}", inner)
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The image file.</summary>
    public string Path { get; }

    /// <summary>What the decoder said.</summary>
    public string Reason { get; }
}
