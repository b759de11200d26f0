namespace FreqProbe.Core;

/// <summary>
/// Named things of one kind (models, datasets, result formats, assets): sorted names, optional aliases, and one
/// "unknown NAME" error that lists what exists, the same for every kind.
/// </summary>
/// <typeparam name="T">What is registered.</typeparam>
public sealed class Registry<T>
{
    readonly SortedDictionary<string, T> items;
    readonly Dictionary<string, string> aliases;

    /// <summary>
    /// A registry of <paramref name="what"/> (a noun for messages: "model", "dataset"); an unknown name is an
    /// <see cref="InputException"/> for <paramref name="setting"/> (null for none). Names compare with
    /// <paramref name="comparer"/> (ordinal by default).
    /// </summary>
    public Registry(string what, string? setting, IEnumerable<(string Name, T Item)> entries, StringComparer? comparer = null)
    {
        What = what;
        Setting = setting;
        items = new SortedDictionary<string, T>(comparer ?? StringComparer.Ordinal);
        aliases = new Dictionary<string, string>(comparer ?? StringComparer.Ordinal);
        foreach ((string name, T item) in entries)
        {
            if (!items.TryAdd(name, item)) throw new InvalidOperationException($"{what} '{name}' is registered twice");
        }
    }

    /// <summary>What the registry holds, for messages.</summary>
    public string What { get; }

    /// <summary>The setting an unknown name is blamed on.</summary>
    public string? Setting { get; }

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyCollection<string> Names => items.Keys;

    /// <summary>The registered items, in name order.</summary>
    public IReadOnlyCollection<T> All => items.Values;

    /// <summary>Adds <paramref name="alias"/> as another name of <paramref name="name"/> (not listed among <see cref="Names"/>).</summary>
    public Registry<T> Alias(string alias, string name)
    {
        if (!items.ContainsKey(name)) throw new InvalidOperationException($"alias '{alias}' names unknown {What} '{name}'");
        aliases[alias] = name;
        return this;
    }

    /// <summary>Whether <paramref name="name"/> (or an alias) is registered.</summary>
    public bool Contains(string name) => items.ContainsKey(aliases.GetValueOrDefault(name, name));

    /// <summary>The item called <paramref name="name"/> (or an alias), or false.</summary>
    public bool TryGet(string name, out T item) => items.TryGetValue(aliases.GetValueOrDefault(name, name), out item!);

    /// <summary>The item called <paramref name="name"/>; an unknown name is an <see cref="InputException"/> listing the names.</summary>
    public T Get(string name) => TryGet(name, out T item) ? item : throw Unknown(name);

    /// <summary>The error for an unknown name: "unknown WHAT 'NAME'; expected one of: A, B, C."</summary>
    public InputException Unknown(string name)
    {
        string message = $"unknown {What} '{name}'; expected one of: {string.Join(", ", items.Keys)}.";
        return Setting is null ? new InputException(message) : new InputException(Setting, message);
    }
}
