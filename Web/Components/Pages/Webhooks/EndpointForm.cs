using Web.Clients;

namespace Web.Components.Pages.Webhooks;

/// <summary>What the endpoint form posts (event types come as repeated checkbox values, read from the form itself).</summary>
public sealed class EndpointForm
{
    public string? Url { get; set; }

    public string? Description { get; set; }

    public bool Enabled { get; set; }

    /// <summary>The draft the Api is sent, with the event types the form checked.</summary>
    public WebhookEndpointDraft ToDraft(IEnumerable<string> eventTypes) =>
        new(Url?.Trim() ?? "", string.IsNullOrWhiteSpace(Description) ? null : Description.Trim(), [.. eventTypes], Enabled);
}
