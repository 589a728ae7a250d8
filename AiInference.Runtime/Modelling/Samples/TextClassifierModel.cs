using System.Text.RegularExpressions;

namespace AiInference.Runtime.Modelling.Samples;

/// <summary>
/// A text classifier over a string tensor, built like skl2onnx builds a TF-vectorizer pipeline:
/// <c>text</c> string [N] → StringNormalizer (lower case) → Tokenizer (com.microsoft, word tokens)
/// → TfIdfVectorizer (term counts over the vocabulary) → MatMul + Add → Softmax →
/// <c>probabilities</c> float [N, K], and ArgMax → <c>label</c> int64 [N].
/// </summary>
public sealed partial record TextClassifierModel(string[] Vocabulary, float[] Weights, float[] Bias)
{
    public const string InputName = "text";
    public const string ProbabilitiesName = "probabilities";
    public const string LabelName = "label";

    public int ClassCount => Bias.Length;

    /// <summary>A three-class sentiment model (negative, neutral, positive) over a small vocabulary.</summary>
    public static TextClassifierModel Sentiment()
    {
        string[] vocabulary = ["bad", "terrible", "slow", "refund", "broken", "ok", "fine", "average", "order", "delivery", "good", "great", "excellent", "love", "fast", "thanks"];
        var weights = new float[vocabulary.Length * 3];
        for (var v = 0; v < vocabulary.Length; v++)
        {
            // Words 0-4 lean negative, 5-9 neutral, 10-15 positive; the others get a little of each.
            var leaning = v < 5 ? 0 : v < 10 ? 1 : 2;
            for (var k = 0; k < 3; k++)
            {
                weights[(v * 3) + k] = k == leaning ? 1.5f + (0.1f * v) : -0.4f + (0.05f * k);
            }
        }

        return new TextClassifierModel(vocabulary, weights, [0.1f, 0.2f, -0.1f]);
    }

    public byte[] Build(string name = "sentiment", long version = 1)
    {
        var indexes = Enumerable.Range(0, Vocabulary.Length).Select(i => (long)i).ToArray();
        return new OnnxModelBuilder(name) { ModelVersion = version, Description = "word counts → linear → softmax" }
            .Opset("com.microsoft", 1)
            .Metadata("classes", "negative,neutral,positive")
            .Input(InputName, TensorElementType.String, -1)
            .Output(ProbabilitiesName, TensorElementType.Float, -1, ClassCount)
            .Output(LabelName, TensorElementType.Int64, -1)
            .Initializer(OnnxInitializer.Floats("W", Weights, Vocabulary.Length, ClassCount))
            .Initializer(OnnxInitializer.Floats("B", Bias, ClassCount))
            // ORT builds en_US.UTF-8 without an explicit locale, which Debian images often lack.
            .Node("StringNormalizer", [InputName], ["lowered"], "",
                OnnxAttr.Of("case_change_action", "LOWER"), OnnxAttr.Of("locale", "C.UTF-8"))
            .Node("Tokenizer", ["lowered"], ["tokens"], "com.microsoft",
                OnnxAttr.Of("mark", 0L), OnnxAttr.Of("mincharnum", 1L), OnnxAttr.Of("pad_value", "#"), OnnxAttr.Of("tokenexp", TokenPattern))
            .Node("TfIdfVectorizer", ["tokens"], ["counts"], "",
                OnnxAttr.Of("mode", "TF"), OnnxAttr.Of("min_gram_length", 1L), OnnxAttr.Of("max_gram_length", 1L),
                OnnxAttr.Of("max_skip_count", 0L), OnnxAttr.Of("ngram_counts", [0L]), OnnxAttr.Of("ngram_indexes", indexes),
                OnnxAttr.Of("pool_strings", Vocabulary))
            .Node("MatMul", ["counts", "W"], ["scores_raw"])
            .Node("Add", ["scores_raw", "B"], ["scores"])
            .Node("Softmax", ["scores"], [ProbabilitiesName], "", OnnxAttr.Of("axis", -1L))
            .Node("ArgMax", [ProbabilitiesName], [LabelName], "", OnnxAttr.Of("axis", 1L), OnnxAttr.Of("keepdims", 0L))
            .Build();
    }

    /// <summary>The class probabilities for one text, in double precision.</summary>
    public double[] Evaluate(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var scores = Bias.Select(b => (double)b).ToArray();
        foreach (Match token in Token().Matches(text.ToLowerInvariant()))
        {
            var v = Array.IndexOf(Vocabulary, token.Value);
            if (v < 0)
            {
                continue;
            }

            for (var k = 0; k < ClassCount; k++)
            {
                scores[k] += Weights[(v * ClassCount) + k];
            }
        }

        var max = scores.Max();
        var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
        var sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }

    private const string TokenPattern = "[a-zA-Z0-9_]+";

    [GeneratedRegex(TokenPattern)]
    private static partial Regex Token();
}
