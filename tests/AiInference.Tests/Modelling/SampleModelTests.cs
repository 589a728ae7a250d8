using AiInference.Runtime;
using AiInference.Runtime.Modelling.Samples;
using TestKit;

namespace AiInference.Tests.Modelling;

/// <summary>The models our own writer builds, run by the real runtime and checked against the same model evaluated in C#.</summary>
[TestClass]
public sealed class SampleModelTests
{
    private const double Tolerance = 1e-5;
    private static OnnxRuntime _runtime = null!;

    [ClassInitialize]
    public static async Task Load(TestContext context) => _runtime = await TestOnnxRuntime.LoadAsync();

    [TestMethod]
    public void Logistic_model_matches_its_csharp_evaluation()
    {
        var model = LogisticModel.Random(256, seed: 3);
        using var session = _runtime.CreateSession(model.Build());
        var rows = RandomRows(32, 256, seed: 11);

        var probabilities = session.Run(LogisticModel.InputName, OnnxTensor.FromFloats(rows, 32, 256))[0].AsTensor();

        CollectionAssert.AreEqual(new long[] { 32, 1 }, probabilities.Shape.ToArray());
        for (var r = 0; r < 32; r++)
        {
            Assert.AreEqual(model.Evaluate(rows.AsSpan(r * 256, 256)), probabilities.As<float>()[r], Tolerance, $"row {r}");
        }
    }

    [TestMethod]
    public void Text_classifier_over_strings_matches_its_csharp_evaluation()
    {
        var model = TextClassifierModel.Sentiment();
        using var session = _runtime.CreateSession(model.Build());
        string[] texts = ["Great service, FAST delivery! Thanks", "terrible: broken and slow, refund please", "the order was ok", "", "nothing in the vocabulary here", "GOOD good good bad"];

        var outputs = session.Run(TextClassifierModel.InputName, OnnxTensor.FromStrings(texts, texts.Length));
        var probabilities = outputs.Single(o => o.Name == TextClassifierModel.ProbabilitiesName).AsTensor().As<float>();
        var labels = outputs.Single(o => o.Name == TextClassifierModel.LabelName).AsTensor().As<long>();

        for (var i = 0; i < texts.Length; i++)
        {
            var expected = model.Evaluate(texts[i]);
            for (var k = 0; k < model.ClassCount; k++)
            {
                Assert.AreEqual(expected[k], probabilities[(i * model.ClassCount) + k], Tolerance, $"text {i} class {k}");
            }

            Assert.AreEqual(Array.IndexOf(expected, expected.Max()), (int)labels[i], $"text {i}");
        }

        Assert.AreEqual(2, labels[0], "positive");
        Assert.AreEqual(0, labels[1], "negative");
    }

    [TestMethod]
    public void Tree_ensemble_matches_its_csharp_evaluation()
    {
        var model = TreeEnsembleModel.Random();
        using var session = _runtime.CreateSession(model.Build());
        var rows = RandomRows(50, model.FeatureCount, seed: 5, scale: 1);

        var outputs = session.Run(TreeEnsembleModel.InputName, OnnxTensor.FromFloats(rows, 50, model.FeatureCount));
        var scores = outputs.Single(o => o.Name == TreeEnsembleModel.ScoresName).AsTensor().As<float>();
        var labels = outputs.Single(o => o.Name == TreeEnsembleModel.LabelName).AsTensor().As<long>();

        var labelsSeen = new HashSet<long>();
        for (var r = 0; r < 50; r++)
        {
            var (expectedScores, expectedLabel) = model.Evaluate(rows.AsSpan(r * model.FeatureCount, model.FeatureCount));
            for (var k = 0; k < TreeEnsembleModel.ClassCount; k++)
            {
                Assert.AreEqual(expectedScores[k], scores[(r * TreeEnsembleModel.ClassCount) + k], Tolerance, $"row {r} class {k}");
            }

            Assert.AreEqual(expectedLabel, labels[r], $"row {r}");
            labelsSeen.Add(labels[r]);
        }

        Assert.IsGreaterThan(1, labelsSeen.Count, "the rows reach more than one class");
    }

    [TestMethod]
    public void ZipMap_output_is_a_sequence_of_maps_from_class_label_to_probability()
    {
        using var session = _runtime.CreateSession(ProbeModels.LinearClassifierWithZipMap());

        var outputs = session.Run("features", OnnxTensor.FromFloats([1, 0, 0, 0, 0, 1], 2, 3));

        Assert.AreEqual("seq(map(int64,tensor(float)))", session.Outputs.Single(o => o.Name == "probabilities").TypeDescription);
        var sequence = (OnnxSequence)outputs.Single(o => o.Name == "probabilities").Value;
        Assert.HasCount(2, sequence.Items);
        var first = (OnnxMap)sequence.Items[0];
        CollectionAssert.AreEqual(new long[] { 10, 20, 30 }, first.Keys.As<long>());
        // softmax([1, 0.1, -1]), the facts file's verified example.
        double[] expected = [0.6485, 0.2637, 0.0878];
        for (var k = 0; k < 3; k++)
        {
            Assert.AreEqual(expected[k], first.Values.As<float>()[k], 1e-4);
        }

        CollectionAssert.AreEqual(new long[] { 10, 30 }, outputs.Single(o => o.Name == "label").AsTensor().As<long>());
    }

    internal static float[] RandomRows(int rows, int features, int seed, double scale = 2)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows * features).Select(_ => (float)((random.NextDouble() - (scale > 1 ? 0.5 : 0)) * scale)).ToArray();
    }
}
