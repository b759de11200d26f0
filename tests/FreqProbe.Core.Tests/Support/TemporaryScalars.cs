using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace FreqProbe.Core.Tests.Support;

/// <summary>
/// Finds, in an assembly's IL, the calls that hand libtorch a TorchSharp <see cref="Scalar"/> nobody keeps alive.
/// TorchSharp 0.107 passes a Scalar to native code as its raw handle; a Scalar made on the fly (a bare number, or a
/// default such as <c>add</c>'s alpha 1 or <c>square</c>'s exponent 2) is unreachable once that handle is read, so a
/// garbage collection during the native call may finalize it and libtorch reads freed memory ("Unknown scalar type",
/// a failed toLong/toFloat check). What counts as such a call:
/// <list type="bullet">
/// <item>an implicit conversion to <see cref="Scalar"/>;</item>
/// <item>an explicit <c>ToScalar()</c> whose result is not stored at once (in a field, or a local for <c>using</c>);</item>
/// <item>a TorchSharp member that itself makes a temporary Scalar, found by following TorchSharp's own calls;</item>
/// <item>making or getting a TorchSharp module whose <c>forward</c> does (LeakyReLU, ELU, BatchNorm in training ...), or
/// an optimizer whose <c>step</c> does (SGD, which the call's IL names only as its virtual base method).</item>
/// </list>
/// </summary>
public static class TemporaryScalars
{
    const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    static readonly Lazy<TorchSharpFacts> Facts = new(() => new TorchSharpFacts(typeof(Scalar).Assembly));

    /// <summary>TorchSharp members that make a temporary Scalar (as "Type::Member"), for the tests' own sanity checks.</summary>
    public static IReadOnlyCollection<string> TorchSharpMembers => Facts.Value.Names;

    /// <summary>One call that hands libtorch a Scalar nobody keeps: where it is and what it calls.</summary>
    public sealed record Call(Type Type, string Method, string Why)
    {
        public override string ToString() => $"{Type.FullName}::{Method}: {Why}";
    }

    /// <summary>Every such call in <paramref name="assembly"/>, except callees in <paramref name="allowed"/> ("Type::Member").</summary>
    public static IReadOnlyList<Call> Find(Assembly assembly, IReadOnlySet<string> allowed, Func<Type, bool>? only = null)
    {
        TorchSharpFacts facts = Facts.Value;
        var found = new List<Call>();
        foreach (Type type in assembly.GetTypes().Where(t => only is null || only(t)))
        {
            foreach (MethodBase method in Methods(type))
            {
                foreach ((MethodBase callee, OpCode op, OpCode next) in Calls(method))
                {
                    if (allowed.Contains(Name(callee))) continue;
                    string? why = facts.Why(callee, op, next, allowed);
                    if (why is not null) found.Add(new Call(type, method.Name, why));
                }
            }
        }
        return found;
    }

    /// <summary>The calls, counted and one per line, for a failing assertion.</summary>
    public static string Describe(IReadOnlyList<Call> calls) => $"{calls.Count} calls:\n" + string.Join("\n", calls);

    static string Name(MethodBase m) => $"{m.DeclaringType?.Name}::{m.Name}";

    static IEnumerable<MethodBase> Methods(Type type) => type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared));

    // The methods a body calls (call, callvirt, newobj, ldftn), each with the opcode that calls it and the one after.
    static IEnumerable<(MethodBase Callee, OpCode Op, OpCode Next)> Calls(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException) { yield break; }
        if (il is null) yield break;
        Type[]? typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        MethodBase? pending = null;
        OpCode pendingOp = OpCodes.Nop;
        for (int i = 0; i < il.Length;)
        {
            OpCode op = OpCodesByValue[il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i]];
            i += op.Size;
            if (pending is not null)
            {
                yield return (pending, pendingOp, op);
                pending = null;
            }
            if (op.OperandType == OperandType.InlineMethod)
            {
                pendingOp = op;
                try { pending = method.Module.ResolveMethod(BitConverter.ToInt32(il, i), typeArguments, methodArguments); }
                catch (ArgumentException) { }
            }
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
        if (pending is not null) yield return (pending, pendingOp, OpCodes.Ret);
    }

    static bool Stores(OpCode op) => op == OpCodes.Stfld || op == OpCodes.Stsfld || op.Name!.StartsWith("stloc", StringComparison.Ordinal);

    // TorchSharp's members that make a temporary Scalar, by (module, metadata token) so that every generic
    // instantiation of one is the same member, and its types whose forward (modules) or step (optimizers) does.
    sealed class TorchSharpFacts
    {
        readonly HashSet<(Module, int)> makers = new();
        readonly Assembly torchSharp;

        public HashSet<string> Names { get; } = new();

        public TorchSharpFacts(Assembly torchSharp)
        {
            this.torchSharp = torchSharp;
            var all = torchSharp.GetTypes().SelectMany(Methods).ToList();
            var callees = all.ToDictionary(m => m, m => Calls(m).Select(c => c.Callee).ToList());
            foreach (MethodBase m in all.Where(m => callees[m].Any(IsConversion))) makers.Add(Key(m));
            for (bool more = true; more;)
            {
                more = false;
                foreach (MethodBase m in all.Where(m => !makers.Contains(Key(m)) && callees[m].Any(c => makers.Contains(Key(c))))) more |= makers.Add(Key(m));
            }
            foreach (MethodBase m in all.Where(m => makers.Contains(Key(m)))) Names.Add(Name(m));
        }

        static (Module, int) Key(MethodBase m) => (m.Module, m.MetadataToken);

        static bool IsConversion(MethodBase m) => m.DeclaringType == typeof(Scalar) && m.Name == "op_Implicit"
            || m.DeclaringType == typeof(ScalarExtensionMethods) && m.Name.StartsWith("To", StringComparison.Ordinal) && m.Name.EndsWith("Scalar", StringComparison.Ordinal);

        public string? Why(MethodBase callee, OpCode op, OpCode next, IReadOnlySet<string> allowed)
        {
            if (callee.DeclaringType == typeof(Scalar) && callee.Name == "op_Implicit") return $"a number converted to a temporary Scalar ({callee})";
            if (IsConversion(callee)) return Stores(next) ? null : $"{callee.Name}() passed on without being kept";
            if (callee.Module.Assembly == torchSharp && makers.Contains(Key(callee))) return $"{Name(callee)} ({callee}) makes a temporary Scalar";
            // A constructor called with `call` is a derived class's base call, which makes nothing yet.
            Type? made = callee is ConstructorInfo ? (op == OpCodes.Newobj ? callee.DeclaringType : null) : (callee as MethodInfo)?.ReturnType;
            MethodInfo? leaky = made?.GetMethods(BindingFlags.Public | BindingFlags.Instance).FirstOrDefault(f => f.Name is "forward" or "step" && makers.Contains(Key(f)) && !allowed.Contains(Name(f)));
            if (leaky is not null) return $"{made!.Name}, whose {leaky.Name} makes a temporary Scalar, from {Name(callee)}";
            return null;
        }
    }
}
