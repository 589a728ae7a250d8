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
