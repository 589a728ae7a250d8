namespace AiInference.Runtime;

/// <summary>
/// An input or output of a model. For tensors: the element type and the shape (-1 for a symbolic
/// or unknown dimension). For sequences and maps (ZipMap), <see cref="TypeDescription"/> spells the
/// full type, e.g. <c>seq(map(int64,tensor(float)))</c>.
/// </summary>
public sealed record NodeMetadata(string Name, OnnxValueKind Kind, TensorElementType ElementType, IReadOnlyList<long> Shape, string TypeDescription);

/// <summary>What the model file says about itself (ModelProto fields and its metadata_props).</summary>
public sealed record ModelMetadata(
    string ProducerName,
    string GraphName,
    string Domain,
    string Description,
    long Version,
    IReadOnlyDictionary<string, string> CustomMetadata);
