using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>The workflow designer with a real mouse: drawn, refused by the Api on the node at fault, fixed, published, run by the Workers.</summary>
[TestClass]
public sealed class WorkflowDesignerTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task A_two_step_workflow_drawn_with_the_mouse_is_published_run_and_its_steps_succeed()
    {
        var email = await Owners.CreateConfirmedAsync("flow");
        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, email);
        await page.GotoAsync("/workflows");
        await Expect(page.GetByTestId("workflows-empty")).ToBeVisibleAsync();
        await page.GetByTestId("new-workflow").ClickAsync();
        var canvas = page.GetByTestId("canvas");
        await Expect(canvas).ToHaveAttributeAsync("data-ready", "true");
        await page.GetByTestId("workflow-name").FillAsync("Greeting");

        // Two steps dragged from the palette onto the canvas, left unconnected and unset on purpose. The mouse moves
        // only within the window, so the designer is scrolled to the top first, as a reader would.
        await page.Locator(".designer").EvaluateAsync("designer => designer.scrollIntoView()");
        var area = await canvas.BoundingBoxAsync() ?? throw new AssertFailedException("the canvas is not shown");
        await DragAsync(page, page.GetByTestId("palette-trigger.manual"), area.X + 130, area.Y + 60);
        await DragAsync(page, page.GetByTestId("palette-set_variable"), area.X + 200, area.Y + 260);
        var trigger = canvas.Locator(".drawflow-node[data-node-id='start']");
        var remember = canvas.Locator(".drawflow-node[data-node-id='set_variable']");
        await Expect(trigger).ToBeVisibleAsync();
        await Expect(remember).ToBeVisibleAsync();
        await page.GetByTestId("save-draft").ClickAsync();

        // The Api's 422 names the node at fault: it is marked on the canvas, with its messages, and listed above.
        await Expect(canvas).ToHaveAttributeAsync("data-ready", "true");
        await Expect(remember).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("wf-invalid"));
        await Expect(remember.Locator(".wf-node-errors")).ToContainTextAsync("orphan");
        await Expect(remember.Locator(".wf-node-errors")).ToContainTextAsync("name:");
        await Expect(page.GetByTestId("designer-errors")).ToContainTextAsync("set_variable");
        await Expect(trigger).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("wf-invalid"));
        await WholeApplication.ScreenshotAsync(page, TestContext, "workflow-designer-invalid");

        // Fixed: joined from the trigger's output port to the step's input port, and the step's settings filled in.
        await page.Locator(".designer").EvaluateAsync("designer => designer.scrollIntoView()");
        await DragAsync(page, trigger.Locator(".output_1"), remember.Locator(".input_1"));
        await remember.ClickAsync();
        await page.Locator("#setting-name").FillAsync("greeting");
        await page.Locator("#setting-value").FillAsync("\"Hello from the designer\"");
        await Expect(canvas.Locator(".connection")).ToHaveCountAsync(1);
        await page.GetByTestId("save-draft").ClickAsync();

        await Expect(page.GetByTestId("designer-notice")).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/workflows/[0-9a-f-]{36}/designer"));
        await Expect(canvas).ToHaveAttributeAsync("data-ready", "true");
        await Expect(canvas.Locator(".drawflow-node")).ToHaveCountAsync(2);
        await Expect(canvas.Locator(".connection")).ToHaveCountAsync(1);
        await Expect(canvas.Locator(".wf-invalid")).ToHaveCountAsync(0);
        await WholeApplication.ScreenshotAsync(page, TestContext, "workflow-designer-saved");

        await page.GetByTestId("publish").ClickAsync();
        await Expect(page.GetByTestId("workflow-notice")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("workflow-status")).ToContainTextAsync("Version 1 published");
        await page.GetByTestId("run-now").ClickAsync();

        // The Workers run it; the execution page reloads itself until it is finished.
        await Expect(page.GetByTestId("execution-status").GetByTestId("status")).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 60_000 });
        var step = page.GetByTestId("steps").Locator("tr[data-step='set_variable']");
        await Expect(step.GetByTestId("status")).ToHaveAttributeAsync("data-status", "completed");
        await Expect(step).ToContainTextAsync("Hello from the designer");
        await WholeApplication.ScreenshotAsync(page, TestContext, "workflow-execution");

        await page.GetByRole(AriaRole.Link, new() { Name = "Back to the workflow" }).ClickAsync();
        await Expect(page.GetByTestId("executions").Locator("tr[data-execution]")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("executions").GetByTestId("status")).ToHaveAttributeAsync("data-status", "completed");
        await page.Context.CloseAsync();
    }

    [TestMethod]
    public async Task A_waiting_execution_is_cancelled_and_a_failed_one_shows_its_error_and_retries_from_the_failed_step()
    {
        var email = await Owners.CreateConfirmedAsync("flowrun");
        var (api, _) = await Owners.ApiClientAsync(email);
        Guid waiting, failing;
        using (api)
        {
            waiting = await StartAsync(api, "Wait an hour", new { id = "pause", type = "delay", config = new { seconds = 3600 } });
            // Nothing answers on port 9 here: the step fails at once, and one attempt is all it gets.
            failing = await StartAsync(api, "Call home", new { id = "call", type = "http.request", config = new { url = "http://127.0.0.1:9/ping" }, retry = new { maxAttempts = 1 } });
        }

        var page = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(page, email);
        await page.GotoAsync($"/workflows/executions/{waiting}");
        var status = page.GetByTestId("execution-status").GetByTestId("status");
        await Expect(status).ToHaveAttributeAsync("data-status", "waiting", new() { Timeout = 60_000 });
        await page.GetByTestId("cancel-execution").ClickAsync();
        await Expect(page.GetByTestId("execution-notice")).ToBeVisibleAsync();
        await Expect(status).ToHaveAttributeAsync("data-status", "cancelled");
        await Expect(page.GetByTestId("cancel-execution")).ToHaveCountAsync(0);

        await page.GotoAsync($"/workflows/executions/{failing}");
        await Expect(status).ToHaveAttributeAsync("data-status", "failed", new() { Timeout = 60_000 });
        var attempts = page.GetByTestId("steps").Locator("tr[data-step='call']");
        await Expect(attempts).ToHaveCountAsync(1);
        await Expect(attempts.GetByTestId("status")).ToHaveAttributeAsync("data-status", "failed");
        await Expect(attempts.Locator(".error-text")).Not.ToBeEmptyAsync();
        await Expect(page.GetByTestId("execution-error")).ToBeVisibleAsync();
        await WholeApplication.ScreenshotAsync(page, TestContext, "workflow-execution-failed");

        await page.GetByTestId("retry-execution").ClickAsync();
        await Expect(page.GetByTestId("execution-notice")).ToBeVisibleAsync();
        // Run again from the failed step: a second attempt of that step, failing the same way.
        await Expect(attempts).ToHaveCountAsync(2, new() { Timeout = 60_000 });
        await Expect(status).ToHaveAttributeAsync("data-status", "failed", new() { Timeout = 60_000 });
        await page.Context.CloseAsync();
    }

    [TestMethod]
    public async Task In_arabic_the_designer_mirrors_palette_and_panel_but_keeps_the_drawing_left_to_right()
    {
        var email = await Owners.CreateConfirmedAsync("flowar");
        var page = await WholeApplication.NewPageAsync("ar");
        await Owners.SignInAsync(page, email);
        await page.GotoAsync("/workflows/new");
        var canvas = page.GetByTestId("canvas");
        await Expect(canvas).ToHaveAttributeAsync("data-ready", "true");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("dir", "rtl");
        await Expect(canvas).ToHaveAttributeAsync("dir", "ltr");
        await Expect(page.GetByTestId("palette-trigger.manual")).ToHaveTextAsync("بدء يدوي");

        // Pressed rather than dragged: the keyboard's way in, which puts the step on the canvas and opens its settings.
        await page.GetByTestId("palette-trigger.manual").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(canvas.Locator(".drawflow-node[data-node-id='start']")).ToBeFocusedAsync();
        await Expect(page.Locator("#step-id")).ToHaveValueAsync("start");
        await page.GetByTestId("palette-set_variable").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#step-id")).ToHaveValueAsync("set_variable");

        // Joined from the keyboard: the trigger's settings offer the other step as where to go next.
        await canvas.Locator(".drawflow-node[data-node-id='start']").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#connect-out").SelectOptionAsync(new SelectOptionValue { Label = "set_variable" });
        await page.GetByTestId("settings-panel").GetByRole(AriaRole.Button, new() { Name = "ربط", Exact = true }).ClickAsync();
        await Expect(canvas.Locator(".connection")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("settings-panel").Locator(".wf-connections")).ToContainTextAsync("set_variable");

        var palette = await page.GetByTestId("palette").BoundingBoxAsync();
        var panel = await page.GetByTestId("settings-panel").BoundingBoxAsync();
        var drawing = await canvas.BoundingBoxAsync();
        Assert.IsTrue(palette!.X > drawing!.X && drawing.X > panel!.X, "the palette is on the reading side (right), the settings on the left");
        await WholeApplication.ScreenshotAsync(page, TestContext, "workflow-designer-ar");
        await page.Context.CloseAsync();
    }

    [TestMethod]
    public async Task A_viewer_sees_workflows_but_may_not_open_the_designer()
    {
        var ownerEmail = await Owners.CreateConfirmedAsync("flowview");
        var viewerEmail = await Owners.CreateMemberAsync(ownerEmail, "viewer");
        var viewer = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(viewer, viewerEmail);

        await viewer.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Workflows" }).ClickAsync();
        await Expect(viewer.GetByTestId("workflows")).ToBeVisibleAsync();
        await Expect(viewer.GetByTestId("new-workflow")).ToHaveCountAsync(0);
        await viewer.GotoAsync("/workflows/new");
        await Expect(viewer.GetByTestId("forbidden")).ToBeVisibleAsync();
        await viewer.Context.CloseAsync();
    }

    [TestMethod]
    public async Task An_owner_runs_a_workflow_with_an_input_then_deletes_it_only_after_confirming_and_it_is_gone()
    {
        var email = await Owners.CreateConfirmedAsync("flowdel");
        var (api, _) = await Owners.ApiClientAsync(email);
        using (api)
        {
            var execution = await StartAsync(api, "Old routine", new { id = "note", type = "set_variable", config = new { name = "x", value = "1" } });
            var workflowId = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/workflows/executions/{execution}")).GetProperty("workflowId").GetGuid();

            var page = await WholeApplication.NewPageAsync();
            await Owners.SignInAsync(page, email);
            await page.GotoAsync($"/workflows/{workflowId}");
            await Expect(page.GetByTestId("workflow-name")).ToHaveTextAsync("Old routine");

            // A manual run's input is a JSON object: anything else is refused beside the field, and a good one reaches the steps.
            await page.GetByTestId("run-input").FillAsync("[1, 2]");
            await page.GetByTestId("run-now").ClickAsync();
            await Expect(page.Locator("[data-field-error=input]")).ToContainTextAsync("JSON object");
            await page.GetByTestId("run-input").FillAsync("""{"customer": "Acme"}""");
            await page.GetByTestId("run-now").ClickAsync();
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/workflows/executions/[0-9a-f-]+$"));
            var run = page.Url[(page.Url.LastIndexOf('/') + 1)..];
            var context = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/workflows/executions/{run}")).GetProperty("context").ToString();
            StringAssert.Contains(context, "Acme", "the input is the run's trigger data");
            await page.GotoAsync($"/workflows/{workflowId}");

            // Not ticked: the browser keeps the form (the box is required), so nothing is deleted.
            await page.GetByTestId("delete-workflow").ClickAsync();
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/workflows/{workflowId}$"));
            Assert.AreEqual(HttpStatusCode.OK, (await api.GetAsync(new Uri($"/api/v1/workflows/{workflowId}", UriKind.Relative))).StatusCode);

            await page.GetByTestId("delete-confirm").CheckAsync();
            await page.GetByTestId("delete-workflow").ClickAsync();
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/workflows$"));
            await Expect(page.Locator("tr[data-workflow='Old routine']")).ToHaveCountAsync(0);
            Assert.AreEqual(HttpStatusCode.NotFound, (await api.GetAsync(new Uri($"/api/v1/workflows/{workflowId}", UriKind.Relative))).StatusCode);
            await page.Context.CloseAsync();
        }
    }

    /// <summary>Creates and publishes a manual workflow with one step through the Api, starts it, and gives the execution's id.</summary>
    private static async Task<Guid> StartAsync(HttpClient api, string name, object step)
    {
        var stepId = (string)step.GetType().GetProperty("id")!.GetValue(step)!;
        using var created = await api.PostAsJsonAsync("/api/v1/workflows", new
        {
            name,
            graph = new { nodes = new[] { new { id = "start", type = "trigger.manual" }, step }, edges = new[] { new { from = "start", to = stepId } } },
        });
        Assert.IsTrue(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var published = await api.PostAsync(new Uri($"/api/v1/workflows/{id}/publish", UriKind.Relative), null);
        Assert.IsTrue(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
        using var started = await api.PostAsJsonAsync($"/api/v1/workflows/{id}/executions", new { input = new { } });
        Assert.IsTrue(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());
        return (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>Presses the mouse on <paramref name="from"/>'s centre and lets go at a point, moving in steps as a hand does.</summary>
    private static async Task DragAsync(IPage page, ILocator from, float x, float y)
    {
        var start = await from.BoundingBoxAsync() ?? throw new AssertFailedException("nothing to drag from");
        await page.Mouse.MoveAsync(start.X + (start.Width / 2), start.Y + (start.Height / 2));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(x, y, new() { Steps = 10 });
        await page.Mouse.UpAsync();
    }

    private static async Task DragAsync(IPage page, ILocator from, ILocator to)
    {
        var end = await to.BoundingBoxAsync() ?? throw new AssertFailedException("nowhere to drop");
        await DragAsync(page, from, end.X + (end.Width / 2), end.Y + (end.Height / 2));
    }
}
