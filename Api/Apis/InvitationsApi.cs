using Api.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Access;
using Platform.Identity.Invitations;
using Platform.Tenancy;

namespace Api.Apis;

/// <summary>Inviting people to the organization by email, with a role.</summary>
public static class InvitationsApi
{
    public static RouteGroupBuilder MapInvitationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/invitations").WithTags("Invitations");

        api.MapGet("/", ListAsync).WithName("ListInvitations").WithSummary("Pending invitations.")
            .RequirePermission(Permissions.Users.Read);
        api.MapPost("/", InviteAsync).WithName("Invite").WithSummary("Invite someone by email with a role you could grant yourself; emails them a code.")
            .RequirePermission(Permissions.Users.Invite)
            .WithIdempotency();
        api.MapDelete("/{invitationId:guid}", RevokeAsync).WithName("RevokeInvitation").WithSummary("Withdraw a pending invitation.")
            .RequirePermission(Permissions.Users.Invite);
        return api;
    }

    public sealed record InviteRequest(string Email, Guid RoleId);

    public sealed record InvitationResponse(Guid Id, string Email, Guid RoleId, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

    public static async Task<Ok<List<InvitationResponse>>> ListAsync(InvitationService invitations, CancellationToken cancellationToken) =>
        TypedResults.Ok((await invitations.ListPendingAsync(cancellationToken)).Select(ToResponse).ToList());

    public static async Task<Created<InvitationResponse>> InviteAsync(InviteRequest request, TenantContext tenant, InvitationService invitations, CancellationToken cancellationToken)
    {
        var actor = tenant.UserId ?? throw new AccessDeniedException("Invitations are sent by signed-in members.");
        var invitation = await invitations.InviteAsync(actor, request.Email ?? "", request.RoleId, cancellationToken);
        return TypedResults.Created($"/api/v1/invitations/{invitation.Id}", ToResponse(invitation));
    }

    public static async Task<Results<NoContent, NotFound>> RevokeAsync(Guid invitationId, InvitationService invitations, CancellationToken cancellationToken) =>
        await invitations.RevokeAsync(invitationId, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static InvitationResponse ToResponse(Invitation i) => new(i.Id, i.Email, i.RoleId, i.CreatedAt, i.ExpiresAt);
}
