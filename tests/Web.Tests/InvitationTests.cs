using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Web.Tests;

/// <summary>An owner invites a colleague, who joins from the emailed link; a role change then closes a page to them.</summary>
[TestClass]
public sealed class InvitationTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task An_invited_admin_joins_sees_the_users_and_after_becoming_a_viewer_gets_the_forbidden_page()
    {
        var ownerEmail = await Owners.CreateConfirmedAsync("team");
        var inviteeEmail = "colleague@" + ownerEmail.Split('@')[1];
        var owner = await WholeApplication.NewPageAsync();
        await Owners.SignInAsync(owner, ownerEmail);

        await owner.GotoAsync("/users");
        await owner.Locator("#email").FillAsync(inviteeEmail);
        await owner.Locator("#roleId").SelectOptionAsync(new SelectOptionValue { Label = "admin" });
        await owner.GetByTestId("invite-submit").ClickAsync();
        await Expect(owner.GetByTestId("invitations")).ToContainTextAsync(inviteeEmail);
        await WholeApplication.ScreenshotAsync(owner, TestContext, "users");

        // The colleague, in a browser of their own, follows the link in their email.
        var link = await WholeApplication.Mail.LinkAsync(inviteeEmail, "/accept-invitation");
        var invitee = await WholeApplication.NewPageAsync();
        await invitee.GotoAsync(link.ToString());
        await invitee.Locator("#displayName").FillAsync("Karim Nasser");
        await invitee.Locator("#password").FillAsync(Owners.Password);
        await invitee.GetByTestId("accept-invitation-submit").ClickAsync();
        await Expect(invitee.GetByTestId("invitation-accepted")).ToBeVisibleAsync();
        await Owners.SignInAsync(invitee, inviteeEmail);
        await Expect(invitee.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Users" })).ToBeVisibleAsync();
        await invitee.GotoAsync("/users");
        await Expect(invitee.Locator($"tr[data-member='{ownerEmail}']")).ToBeVisibleAsync();

        await owner.GotoAsync("/users");
        var row = owner.Locator($"tr[data-member='{inviteeEmail}']");
        await row.Locator("select").SelectOptionAsync(new SelectOptionValue { Label = "viewer" });
        await row.GetByTestId("change-role").ClickAsync();
        await Expect(owner.GetByTestId("users-notice")).ToContainTextAsync("Karim Nasser");
        await Expect(owner.Locator($"tr[data-member='{inviteeEmail}'] select option:checked")).ToHaveTextAsync("viewer");

        // The very next request of the colleague's browser is judged on the new role.
        await invitee.GotoAsync("/users");
        await Expect(invitee.GetByTestId("forbidden")).ToBeVisibleAsync();
        await Expect(invitee).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/forbidden"));
        Assert.IsFalse((await invitee.ContentAsync()).Contains(ownerEmail, StringComparison.OrdinalIgnoreCase), "the forbidden page shows none of the members");
        await Expect(invitee.GetByTestId("side-nav").GetByRole(AriaRole.Link, new() { Name = "Users" })).ToHaveCountAsync(0);
        await WholeApplication.ScreenshotAsync(invitee, TestContext, "forbidden");

        await owner.GotoAsync("/roles");
        await Expect(owner.Locator("tr[data-permission='users.invite'] td.granted")).Not.ToHaveCountAsync(0);
        await WholeApplication.ScreenshotAsync(owner, TestContext, "roles-matrix");
        await owner.Context.CloseAsync();
        await invitee.Context.CloseAsync();
    }
}
