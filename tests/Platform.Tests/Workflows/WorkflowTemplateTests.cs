using System.Text.Json.Nodes;
using Platform.Workflows;

namespace Platform.Tests.Workflows;

[TestClass]
public sealed class WorkflowTemplateTests
{
    private static readonly JsonObject Data = JsonNode.Parse("""
        {
          "trigger": { "type": "manual", "data": { "name": "Ada", "amount": 150, "tags": ["vip", "new"], "nested": { "deep": true } } },
          "steps": { "n1": { "output": { "status": 200, "body": { "id": "x-1" } } } },
          "vars": { "greeting": "Hello {{ vars.secret }}", "secret": "s3cr3t" }
        }
        """)!.AsObject();

    [TestMethod]
    public void Placeholders_read_trigger_data_step_outputs_and_variables()
    {
        Assert.AreEqual("Ada paid 150; step said 200 for x-1",
            WorkflowTemplate.Render("{{ trigger.data.name }} paid {{trigger.data.amount}}; step said {{ steps.n1.output.status }} for {{ steps.n1.output.body.id }}", Data));
        Assert.AreEqual("first tag vip", WorkflowTemplate.Render("first tag {{ trigger.data.tags.0 }}", Data));
        Assert.AreEqual("""obj {"deep":true}""", WorkflowTemplate.Render("obj {{ trigger.data.nested }}", Data));
    }

    [TestMethod]
    public void A_path_that_leads_nowhere_renders_empty()
    {
        Assert.AreEqual("[]", WorkflowTemplate.Render("[{{ trigger.data.missing.deeper }}]", Data));
        Assert.AreEqual("[]", WorkflowTemplate.Render("[{{ trigger.data.tags.7 }}]", Data));
        Assert.AreEqual("[]", WorkflowTemplate.Render("[{{ trigger.data.name.length }}]", Data), "no members of strings: only JSON paths");
    }

    [TestMethod]
    public void Rendered_values_are_not_rendered_again()
    {
        // A value that looks like a template (user input echoed by an earlier step) stays text: no second pass leaks vars.secret.
        Assert.AreEqual("Hello {{ vars.secret }}", WorkflowTemplate.Render("{{ vars.greeting }}", Data));
    }

    [TestMethod]
    public void Expressions_calls_and_other_syntax_are_refused_not_evaluated()
    {
        foreach (var hostile in new[]
        {
            "{{ trigger.data.amount * 2 }}", "{{ System.IO.File.ReadAllText('/etc/passwd') }}", "{{ constructor.constructor('return 1')() }}",
            "{{ trigger['data'] }}", "{{ trigger.data.name | upcase }}", "{{ ../../etc }}", "{{ }}", "{{ a..b }}", "{{ trigger.data.name; DROP TABLE x }}",
        })
        {
            Assert.ThrowsExactly<WorkflowTemplateException>(() => WorkflowTemplate.Render(hostile, Data), hostile);
        }
    }

    [TestMethod]
    public void Unclosed_placeholders_too_deep_paths_and_oversized_output_are_refused()
    {
        Assert.ThrowsExactly<WorkflowTemplateException>(() => WorkflowTemplate.Render("Hi {{ trigger.data.name", Data));
        Assert.ThrowsExactly<WorkflowTemplateException>(() => WorkflowTemplate.Render("{{ " + string.Join('.', Enumerable.Repeat("a", 40)) + " }}", Data));
        Assert.ThrowsExactly<WorkflowTemplateException>(() => WorkflowTemplate.Render(new string('x', WorkflowTemplate.MaxLength + 1), Data));
        // Small template, huge result: 8 KiB of value repeated past the limit.
        var big = new JsonObject { ["vars"] = new JsonObject { ["blob"] = new string('b', 8 * 1024) } };
        Assert.ThrowsExactly<WorkflowTemplateException>(() => WorkflowTemplate.Render(string.Concat(Enumerable.Repeat("{{ vars.blob }}", 20)), big));
    }

    [TestMethod]
    public void A_whole_value_placeholder_keeps_its_JSON_type_in_a_config()
    {
        var config = JsonNode.Parse("""{ "amount": "{{ trigger.data.amount }}", "label": "n={{ trigger.data.amount }}", "list": ["{{ trigger.data.tags }}"], "flag": true }""");
        var rendered = WorkflowTemplate.RenderNode(config, Data)!;
        Assert.AreEqual(150, rendered["amount"]!.GetValue<int>());
        Assert.AreEqual("n=150", rendered["label"]!.GetValue<string>());
        Assert.AreEqual("vip", rendered["list"]![0]![0]!.GetValue<string>());
        Assert.IsTrue(rendered["flag"]!.GetValue<bool>());
        Assert.AreEqual("{{ trigger.data.amount }}", config!["amount"]!.GetValue<string>(), "the node's own config is not changed");
    }
}
