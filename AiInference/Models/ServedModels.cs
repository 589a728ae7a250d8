using System.Collections.Concurrent;
using AiInference.Serving;

namespace AiInference.Models;

/// <summary>
/// The models being served, by scope (an organization, or null for the platform) and name. Swapping in
/// a new version is one atomic replace; the old version is retired only after that.
/// </summary>
internal sealed class ServedModels
{
    private readonly ConcurrentDictionary<(Guid? TenantId, string Name), ServedModel> _models = new();
    private volatile bool _ready;

    /// <summary>True once the first load of the active models finished.</summary>
    public bool IsReady => _ready;

    public int Count => _models.Count;

    public void MarkReady() => _ready = true;

    /// <summary>An organization's own model by that name, else the platform's.</summary>
    public ServedModel? Find(Guid? tenantId, string name) =>
        (tenantId is not null && _models.TryGetValue((tenantId, name), out var own)) ? own
        : _models.TryGetValue((null, name), out var platform) ? platform
        : null;

    public ServedModel? Current(Guid? tenantId, string name) => _models.TryGetValue((tenantId, name), out var model) ? model : null;

    /// <summary>Serves <paramref name="model"/> from now on and returns the version it replaced, if any.</summary>
    public ServedModel? Replace(ServedModel model)
    {
        ServedModel? previous = null;
        _models.AddOrUpdate((model.Row.TenantId, model.Name), model, (_, old) =>
        {
            previous = old;
            return model;
        });
        return previous;
    }

    public IReadOnlyList<ServedModel> All() => [.. _models.Values];
}
