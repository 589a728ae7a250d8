namespace AiInference.Runtime.Modelling.Samples;

/// <summary>
/// A three-class tree ensemble (ai.onnx.ml TreeEnsembleClassifier, ml opset 3): <c>features</c>
/// float [N, F] → <c>label</c> int64 [N] and <c>scores</c> float [N, 3], the sum of each tree's leaf
/// votes. Every tree has depth 2: a root split, two inner splits, four leaves. Three classes, because
/// ORT special-cases binary tree classifiers (see the facts file).
/// </summary>
public sealed record TreeEnsembleModel(int FeatureCount, IReadOnlyList<TreeEnsembleModel.Tree> Trees)
{
    public const string InputName = "features";
    public const string LabelName = "label";
    public const string ScoresName = "scores";
    public const int ClassCount = 3;

    /// <summary>Splits (feature, threshold) of the root and its two children; leaf votes per class, leaves left to right.</summary>
    public sealed record Tree(int[] Features, float[] Thresholds, float[][] LeafVotes);

    public static TreeEnsembleModel Random(int features = 4, int trees = 5, int seed = 7)
    {
        var random = new Random(seed);
        var list = new List<Tree>();
        for (var t = 0; t < trees; t++)
        {
            list.Add(new Tree(
                [random.Next(features), random.Next(features), random.Next(features)],
                [(float)random.NextDouble(), (float)random.NextDouble(), (float)random.NextDouble()],
                [.. Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, ClassCount).Select(_ => (float)random.NextDouble()).ToArray())]));
        }

        return new TreeEnsembleModel(features, list);
    }

    public byte[] Build(string name = "trees", long version = 1)
    {
        List<long> treeIds = [], nodeIds = [], featureIds = [], trueIds = [], falseIds = [];
        List<float> values = [];
        List<string> modes = [];
        List<long> classTreeIds = [], classNodeIds = [], classIds = [];
        List<float> classWeights = [];
        for (var t = 0; t < Trees.Count; t++)
        {
            var tree = Trees[t];
            // Node 0 is the root, 1 and 2 its children, 3..6 the leaves (left to right).
            for (var n = 0; n < 7; n++)
            {
                treeIds.Add(t);
                nodeIds.Add(n);
                if (n < 3)
                {
                    featureIds.Add(tree.Features[n]);
                    values.Add(tree.Thresholds[n]);
                    modes.Add("BRANCH_LEQ");
                    trueIds.Add((2 * n) + 1);
                    falseIds.Add((2 * n) + 2);
                }
                else
                {
                    featureIds.Add(0);
                    values.Add(0);
                    modes.Add("LEAF");
                    trueIds.Add(0);
                    falseIds.Add(0);
                    for (var k = 0; k < ClassCount; k++)
                    {
                        classTreeIds.Add(t);
                        classNodeIds.Add(n);
                        classIds.Add(k);
                        classWeights.Add(tree.LeafVotes[n - 3][k]);
                    }
                }
            }
        }

        return new OnnxModelBuilder(name) { ModelVersion = version, Description = $"{Trees.Count} trees, {ClassCount} classes" }
            .Opset("ai.onnx.ml", 3)
            .Input(InputName, TensorElementType.Float, -1, FeatureCount)
            .Output(LabelName, TensorElementType.Int64, -1)
            .Output(ScoresName, TensorElementType.Float, -1, ClassCount)
            .Node("TreeEnsembleClassifier", [InputName], [LabelName, ScoresName], "ai.onnx.ml",
                OnnxAttr.Of("nodes_treeids", treeIds.ToArray()),
                OnnxAttr.Of("nodes_nodeids", nodeIds.ToArray()),
                OnnxAttr.Of("nodes_featureids", featureIds.ToArray()),
                OnnxAttr.Of("nodes_values", values.ToArray()),
                OnnxAttr.Of("nodes_modes", modes.ToArray()),
                OnnxAttr.Of("nodes_truenodeids", trueIds.ToArray()),
                OnnxAttr.Of("nodes_falsenodeids", falseIds.ToArray()),
                OnnxAttr.Of("class_treeids", classTreeIds.ToArray()),
                OnnxAttr.Of("class_nodeids", classNodeIds.ToArray()),
                OnnxAttr.Of("class_ids", classIds.ToArray()),
                OnnxAttr.Of("class_weights", classWeights.ToArray()),
                OnnxAttr.Of("classlabels_int64s", Enumerable.Range(0, ClassCount).Select(k => (long)k).ToArray()),
                OnnxAttr.Of("post_transform", "NONE"))
            .Build();
    }

    /// <summary>The summed class votes for one row and the winning class.</summary>
    public (double[] Scores, long Label) Evaluate(ReadOnlySpan<float> features)
    {
        var scores = new double[ClassCount];
        foreach (var tree in Trees)
        {
            var node = 0;
            while (node < 3)
            {
                node = features[tree.Features[node]] <= tree.Thresholds[node] ? (2 * node) + 1 : (2 * node) + 2;
            }

            for (var k = 0; k < ClassCount; k++)
            {
                scores[k] += tree.LeafVotes[node - 3][k];
            }
        }

        var label = 0;
        for (var k = 1; k < ClassCount; k++)
        {
            if (scores[k] > scores[label])
            {
                label = k;
            }
        }

        return (scores, label);
    }
}
