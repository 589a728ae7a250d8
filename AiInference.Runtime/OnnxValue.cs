namespace AiInference.Runtime;

/// <summary>A value going into or coming out of a model: a tensor, a sequence or a map.</summary>
public abstract class OnnxValue
{
    private protected OnnxValue()
    {
    }

    public abstract OnnxValueKind Kind { get; }
}

/// <summary>A sequence (e.g. ZipMap's one map of class probabilities per row).</summary>
public sealed class OnnxSequence(IReadOnlyList<OnnxValue> items) : OnnxValue
{
    public override OnnxValueKind Kind => OnnxValueKind.Sequence;

    public IReadOnlyList<OnnxValue> Items { get; } = items;
}

/// <summary>A map, as ORT hands it out: a tensor of keys and a tensor of values of the same length.</summary>
public sealed class OnnxMap(OnnxTensor keys, OnnxTensor values) : OnnxValue
{
    public override OnnxValueKind Kind => OnnxValueKind.Map;

    public OnnxTensor Keys { get; } = keys;

    public OnnxTensor Values { get; } = values;
}

/// <summary>A model output by name.</summary>
public sealed record NamedOnnxValue(string Name, OnnxValue Value)
{
    /// <summary>The value as a tensor, or an error naming the output when it is not one.</summary>
    public OnnxTensor AsTensor() => Value as OnnxTensor
        ?? throw new InvalidOperationException($"output '{Name}' is a {Value.Kind}, not a tensor");
}
