namespace FreqProbe.Core.Assets;

/// <summary>A transfer's state: bytes on disk (resumed bytes included), the total when known, and this attempt's rate.</summary>
public readonly record struct DownloadProgress(string File, long Bytes, long? TotalBytes, double BytesPerSecond);
