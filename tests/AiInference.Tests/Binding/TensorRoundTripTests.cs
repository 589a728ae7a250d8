using AiInference.Runtime;
using AiInference.Runtime.Modelling.Samples;
using TestKit;

namespace AiInference.Tests.Binding;

[TestClass]
public sealed class TensorRoundTripTests
{
    private static OnnxRuntime _runtime = null!;
    private static InferenceSession _identity = null!;

    [ClassInitialize]
    public static async Task LoadModel(TestContext context)
    {
        _runtime = await TestOnnxRuntime.LoadAsync();
        _identity = _runtime.CreateSession(ProbeModels.Identity());
    }

    [ClassCleanup]
    public static void Release() => _identity.Dispose();

    public static IEnumerable<object[]> Tensors =>
    [
        [OnnxTensor.FromFloats([1.5f, -2.25f, float.MaxValue, float.Epsilon, 0f, float.NegativeInfinity], 2, 3)],
        [OnnxTensor.FromDoubles([Math.PI, -1e300, double.Epsilon, 0, 1, 2], 3, 2)],
        [OnnxTensor.FromInt32s([int.MinValue, -1, 0, 1, int.MaxValue, 42], 1, 6)],
        [OnnxTensor.FromInt64s([long.MinValue, -1, 0, 1, long.MaxValue, 1L << 40], 6, 1)],
        [OnnxTensor.FromBooleans([true, false, false, true], 2, 2)],
        [OnnxTensor.FromStrings(["", "héllo", "日本語", "tab\tnew\nline", "emoji 🙂", "x"], 2, 3)],
    ];

    [TestMethod]
    [DynamicData(nameof(Tensors))]
    public void Every_element_type_comes_back_unchanged_with_its_shape(OnnxTensor tensor)
    {
        var suffix = Suffix(tensor.ElementType);
        using var identity = _runtime.CreateSession(ProbeModels.Identity(tensor.ElementType));

        var output = identity.Run($"in_{suffix}", tensor).Single(o => o.Name == $"out_{suffix}").AsTensor();

        Assert.AreEqual(tensor.ElementType, output.ElementType);
        CollectionAssert.AreEqual(tensor.Shape.ToArray(), output.Shape.ToArray());
        CollectionAssert.AreEqual(tensor.Data, output.Data);
    }

    [TestMethod]
    public void All_inputs_in_one_run_give_every_output()
    {
        var inputs = Tensors.Select(t => (OnnxTensor)t[0]).Select(t => new KeyValuePair<string, OnnxTensor>($"in_{Suffix(t.ElementType)}", t)).ToList();

        var outputs = _identity.Run(inputs);

        Assert.HasCount(6, outputs);
        foreach (var (name, tensor) in inputs)
        {
            var output = outputs.Single(o => o.Name == "out_" + name[3..]).AsTensor();
            CollectionAssert.AreEqual(tensor.Data, output.Data, name);
        }
    }

    [TestMethod]
    public void Metadata_lists_inputs_outputs_and_the_models_own_fields()
    {
        Assert.HasCount(6, _identity.Inputs);
        var floats = _identity.Inputs.Single(i => i.Name == "in_float");
        Assert.AreEqual(TensorElementType.Float, floats.ElementType);
        CollectionAssert.AreEqual(new long[] { -1, -1 }, floats.Shape.ToArray(), "symbolic dimensions read as -1");
        Assert.AreEqual("tensor(string)", _identity.Outputs.Single(o => o.Name == "out_string").TypeDescription);
        Assert.AreEqual("platform", _identity.Metadata.ProducerName);
        Assert.AreEqual("identity", _identity.Metadata.GraphName);
        Assert.AreEqual("round trip", _identity.Metadata.CustomMetadata["purpose"]);
    }

    [TestMethod]
    public void An_empty_tensor_round_trips()
    {
        using var identity = _runtime.CreateSession(ProbeModels.Identity(TensorElementType.Float));

        var output = identity.Run("in_float", OnnxTensor.FromFloats([], 0, 4)).Single(o => o.Name == "out_float").AsTensor();

        CollectionAssert.AreEqual(new long[] { 0, 4 }, output.Shape.ToArray());
        Assert.AreEqual(0, output.ElementCount);
    }

    private static string Suffix(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float",
        TensorElementType.Double => "double",
        TensorElementType.Int32 => "int32",
        TensorElementType.Int64 => "int64",
        TensorElementType.Bool => "bool",
        _ => "string",
    };
}
