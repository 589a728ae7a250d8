namespace AiInference.Runtime.Modelling.Samples;

/// <summary>Small models that exercise the binding itself rather than a use case.</summary>
public static class ProbeModels
{
    /// <summary>The element types the binding and the protocol carry, with the input/output names of <see cref="Identity"/>.</summary>
    public static IReadOnlyList<TensorElementType> RoundTripTypes { get; } =
        [TensorElementType.Float, TensorElementType.Double, TensorElementType.Int32, TensorElementType.Int64, TensorElementType.Bool, TensorElementType.String];

    /// <summary>
    /// One Identity per element type (every type in <see cref="RoundTripTypes"/> when none are given):
    /// input <c>in_float</c> → output <c>out_float</c>, etc., each 2-D of any size.
    /// </summary>
    public static byte[] Identity(params TensorElementType[] types)
    {
        var builder = new OnnxModelBuilder("identity").Metadata("purpose", "round trip");
        foreach (var type in types.Length > 0 ? types : RoundTripTypes)
        {
            var suffix = InferenceSession.TypeName(type);
            builder.Input($"in_{suffix}", type, -1, -1).Output($"out_{suffix}", type, -1, -1).Node("Identity", [$"in_{suffix}"], [$"out_{suffix}"]);
        }

        return builder.Build();
    }

    /// <summary>
    /// A three-class LinearClassifier whose probabilities also come out through ZipMap, as
    /// skl2onnx writes classifiers: <c>features</c> float [N, 3] → <c>label</c> int64 [N],
    /// <c>probabilities</c> seq(map(int64, float)). Coefficients from the facts file's verified example.
    /// </summary>
    public static byte[] LinearClassifierWithZipMap() =>
        new OnnxModelBuilder("zipmap")
            .Opset("ai.onnx.ml", 3)
            .Input("features", TensorElementType.Float, -1, 3)
            .Output("label", TensorElementType.Int64, -1)
            .SequenceOfMapsOutput("probabilities", TensorElementType.Int64)
            .Node("LinearClassifier", ["features"], ["label", "scores"], "ai.onnx.ml",
                OnnxAttr.Of("coefficients", [1f, 0f, -1f, 0f, 1f, 0f, -1f, 0f, 1f]),
                OnnxAttr.Of("intercepts", [0f, 0.1f, 0f]),
                OnnxAttr.Of("classlabels_ints", [10L, 20L, 30L]),
                OnnxAttr.Of("post_transform", "SOFTMAX"))
            .Node("ZipMap", ["scores"], ["probabilities"], "ai.onnx.ml", OnnxAttr.Of("classlabels_int64s", [10L, 20L, 30L]))
            .Build();
}
