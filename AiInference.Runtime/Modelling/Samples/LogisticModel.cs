namespace AiInference.Runtime.Modelling.Samples;

/// <summary>
/// A binary logistic classifier: <c>features</c> float [N, F] → MatMul → Add → Sigmoid →
/// <c>probability</c> float [N, 1]. <see cref="Evaluate"/> computes the same thing in C#.
/// </summary>
public sealed record LogisticModel(float[] Weights, float Bias)
{
    public const string InputName = "features";
    public const string OutputName = "probability";

    public int FeatureCount => Weights.Length;

    /// <summary>Weights drawn from a seeded generator, so every caller gets the same model.</summary>
    public static LogisticModel Random(int features, int seed = 1)
    {
        var random = new Random(seed);
        var weights = new float[features];
        for (var i = 0; i < features; i++)
        {
            weights[i] = (float)((random.NextDouble() * 2) - 1) / MathF.Sqrt(features);
        }

        return new LogisticModel(weights, (float)(random.NextDouble() - 0.5));
    }

    public byte[] Build(string name = "logistic", long version = 1)
    {
        var builder = new OnnxModelBuilder(name) { ModelVersion = version, Description = $"logistic regression over {FeatureCount} features" }
            .Metadata("task", "binary-classification")
            .Input(InputName, TensorElementType.Float, -1, FeatureCount)
            .Output(OutputName, TensorElementType.Float, -1, 1)
            .Initializer(OnnxInitializer.Floats("W", Weights, FeatureCount, 1))
            .Initializer(OnnxInitializer.Floats("B", [Bias], 1))
            .Node("MatMul", [InputName, "W"], ["logit_raw"])
            .Node("Add", ["logit_raw", "B"], ["logit"])
            .Node("Sigmoid", ["logit"], [OutputName]);
        return builder.Build();
    }

    /// <summary>The probability for one row, in double precision.</summary>
    public double Evaluate(ReadOnlySpan<float> features)
    {
        double z = Bias;
        for (var i = 0; i < Weights.Length; i++)
        {
            z += (double)Weights[i] * features[i];
        }

        return 1 / (1 + Math.Exp(-z));
    }
}
