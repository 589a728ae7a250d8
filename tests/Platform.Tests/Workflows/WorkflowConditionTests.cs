using System.Text.Json.Nodes;
using Platform.Workflows;

namespace Platform.Tests.Workflows;

[TestClass]
public sealed class WorkflowConditionTests
{
    private static readonly JsonObject Data = JsonNode.Parse("""
        { "trigger": { "data": { "amount": 150, "currency": "EUR", "note": "urgent: call back", "tags": ["vip", 7], "zero": 0 } }, "vars": {} }
        """)!.AsObject();

    private static bool Eval(string json) => WorkflowCondition.Evaluate(JsonNode.Parse(json), Data);

    [TestMethod]
    public void Comparisons_hold_as_written()
    {
        Assert.IsTrue(Eval("""{"path":"trigger.data.amount","op":"gt","value":100}"""));
        Assert.IsFalse(Eval("""{"path":"trigger.data.amount","op":"lt","value":100}"""));
        Assert.IsTrue(Eval("""{"path":"trigger.data.amount","op":"gte","value":150.0}"""));
        Assert.IsTrue(Eval("""{"path":"trigger.data.amount","op":"lte","value":150}"""));
        Assert.IsTrue(Eval("""{"path":"trigger.data.currency","op":"eq","value":"EUR"}"""));
        Assert.IsTrue(Eval("""{"path":"trigger.data.currency","op":"ne","value":"USD"}"""));
        Assert.IsTrue(Eval("""{"path":"trigger.data.note","op":"contains","value":"urgent"}"""));
        Assert.IsTrue(Eval("""{"path":"trigger.data.tags","op":"contains","value":"vip"}"""));
        Assert.IsTrue(Eval("""{"path":"trigger.data.tags","op":"contains","value":7}"""));
        Assert.IsTrue(Eval("""{"path":"trigger.data.zero","op":"exists"}"""));
        Assert.IsFalse(Eval("""{"path":"trigger.data.nothing","op":"exists"}"""));
    }

    [TestMethod]
    public void All_any_and_not_combine()
    {
        Assert.IsTrue(Eval("""{"all":[{"path":"trigger.data.amount","op":"gt","value":100},{"path":"trigger.data.currency","op":"eq","value":"EUR"}]}"""));
        Assert.IsFalse(Eval("""{"all":[{"path":"trigger.data.amount","op":"gt","value":100},{"path":"trigger.data.currency","op":"eq","value":"USD"}]}"""));
        Assert.IsTrue(Eval("""{"any":[{"path":"trigger.data.amount","op":"gt","value":1000},{"path":"trigger.data.currency","op":"eq","value":"EUR"}]}"""));
        Assert.IsTrue(Eval("""{"not":{"path":"trigger.data.currency","op":"eq","value":"USD"}}"""));
    }

    [TestMethod]
    public void Missing_or_mismatched_values_never_compare_as_true()
    {
        Assert.IsFalse(Eval("""{"path":"trigger.data.nothing","op":"gt","value":0}"""));
        Assert.IsFalse(Eval("""{"path":"trigger.data.nothing","op":"lte","value":0}"""));
        Assert.IsFalse(Eval("""{"path":"trigger.data.currency","op":"gt","value":5}"""), "a string against a number");
        Assert.IsFalse(Eval("""{"path":"trigger.data.amount","op":"eq","value":"150"}"""), "no type juggling");
    }

    [TestMethod]
    public void Malformed_and_hostile_conditions_are_refused_before_they_run()
    {
        var deep = """{"path":"trigger.data.amount","op":"gt","value":1}""";
        for (var i = 0; i < 40; i++)
        {
            deep = $$"""{"not":{{deep}}}""";
        }

        var wide = """{"any":[""" + string.Join(',', Enumerable.Repeat("""{"path":"vars.x","op":"exists"}""", 300)) + "]}";
        foreach (var hostile in new[]
        {
            """{"path":"trigger.data.amount","op":"eval","value":"1+1"}""",
            """{"path":"trigger.data.amount","op":"gt"}""",
            """{"path":"trigger.data.amount","op":"gt","value":1,"script":"x"}""",
            """{"path":"trigger['data']","op":"exists"}""",
            """{"all":[]}""",
            """{"all":{}}""",
            """{"all":[1]}""",
            "\"trigger.data.amount > 100\"",
            deep,
            wide,
        })
        {
            Assert.IsNotEmpty(WorkflowCondition.Validate(JsonNode.Parse(hostile)), hostile[..Math.Min(60, hostile.Length)]);
            Assert.ThrowsExactly<WorkflowTemplateException>(() => WorkflowCondition.Evaluate(JsonNode.Parse(hostile), Data));
        }
    }
}
