using AiInference.Runtime;

namespace AiInference.Serving;

/// <summary>A request's inputs by name, and how many rows (first dimension) they carry.</summary>
internal sealed record ModelInput(IReadOnlyList<KeyValuePair<string, OnnxTensor>> Tensors, long Rows)
{
    /// <summary>
    /// Requests with the same signature can be concatenated along the first dimension: same input
    /// names, element types and trailing dimensions.
    /// </summary>
    public string Signature { get; } = string.Join(';', Tensors.Select(t => $"{t.Key}:{(int)t.Value.ElementType}:{string.Join(',', t.Value.Shape.Skip(1))}"));
}
