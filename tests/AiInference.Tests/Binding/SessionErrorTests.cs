using AiInference.Runtime;
using AiInference.Runtime.Modelling.Samples;
using TestKit;

namespace AiInference.Tests.Binding;

[TestClass]
public sealed class SessionErrorTests
{
    private static OnnxRuntime _runtime = null!;
    private static InferenceSession _logistic = null!;

    [ClassInitialize]
    public static async Task LoadModel(TestContext context)
    {
        _runtime = await TestOnnxRuntime.LoadAsync();
        _logistic = _runtime.CreateSession(LogisticModel.Random(4).Build());
    }

    [ClassCleanup]
    public static void Release() => _logistic.Dispose();

    [TestMethod]
    public void A_wrong_input_name_is_an_invalid_argument_naming_it()
    {
        var error = Assert.ThrowsExactly<OrtException>(() => _logistic.Run("featurez", OnnxTensor.FromFloats(new float[4], 1, 4)));

        Assert.AreEqual(OrtErrorCode.InvalidArgument, error.Code);
        Assert.Contains("featurez", error.Message);
    }

    [TestMethod]
    public void A_wrong_shape_is_an_invalid_argument()
    {
        var error = Assert.ThrowsExactly<OrtException>(() => _logistic.Run(LogisticModel.InputName, OnnxTensor.FromFloats(new float[5], 1, 5)));

        Assert.AreEqual(OrtErrorCode.InvalidArgument, error.Code);
        Assert.Contains("dimensions", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [TestMethod]
    public void A_wrong_element_type_is_an_invalid_argument()
    {
        var error = Assert.ThrowsExactly<OrtException>(() => _logistic.Run(LogisticModel.InputName, OnnxTensor.FromDoubles(new double[4], 1, 4)));

        Assert.AreEqual(OrtErrorCode.InvalidArgument, error.Code);
        Assert.Contains("type", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [TestMethod]
    public void A_wrong_output_name_is_an_invalid_argument()
    {
        var error = Assert.ThrowsExactly<OrtException>(() => _logistic.Run([new(LogisticModel.InputName, OnnxTensor.FromFloats(new float[4], 1, 4))], ["nope"]));

        Assert.AreEqual(OrtErrorCode.InvalidArgument, error.Code);
        Assert.Contains("nope", error.Message);
    }

    [TestMethod]
    public void Data_that_does_not_fill_the_shape_is_refused_before_reaching_the_runtime()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => OnnxTensor.FromFloats(new float[3], 1, 4));

        Assert.Contains("4 elements", error.Message);
    }

    [TestMethod]
    public void Garbage_model_bytes_are_an_invalid_protobuf()
    {
        var error = Assert.ThrowsExactly<OrtException>(() => _runtime.CreateSession("not a model"u8));

        Assert.AreEqual(OrtErrorCode.InvalidProtobuf, error.Code);
    }

    [TestMethod]
    public void A_missing_model_file_is_no_such_file()
    {
        var error = Assert.ThrowsExactly<OrtException>(() => _runtime.CreateSession("/nonexistent/model.onnx"));

        Assert.AreEqual(OrtErrorCode.NoSuchFile, error.Code);
    }

    [TestMethod]
    public void A_model_file_loads_like_its_bytes()
    {
        var model = LogisticModel.Random(4);
        var path = Path.Combine(Path.GetTempPath(), $"logistic-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, model.Build());
        try
        {
            using var session = _runtime.CreateSession(path, new SessionOptions { OptimizationLevel = GraphOptimizationLevel.Basic });
            float[] row = [0.5f, -1, 2, 0];

            var probability = session.Run(LogisticModel.InputName, OnnxTensor.FromFloats(row, 1, 4))[0].AsTensor().As<float>()[0];

            Assert.AreEqual(model.Evaluate(row), probability, 1e-5);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void A_disposed_session_refuses_to_run()
    {
        var session = _runtime.CreateSession(LogisticModel.Random(4).Build());
        session.Dispose();

        Assert.ThrowsExactly<ObjectDisposedException>(() => session.Run(LogisticModel.InputName, OnnxTensor.FromFloats(new float[4], 1, 4)));
    }

    [TestMethod]
    public void A_cancelled_run_is_terminated()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        // A token cancelled before the run sets the terminate flag before ORT starts.
        var error = Assert.ThrowsExactly<OrtException>(() =>
            _logistic.Run([new(LogisticModel.InputName, OnnxTensor.FromFloats(new float[4], 1, 4))], null, cancelled.Token));

        Assert.Contains("terminat", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
