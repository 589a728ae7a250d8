using System.Runtime.InteropServices;
using System.Text;

namespace AiInference.Runtime.Native;

/// <summary>A session's input or output names as NUL-terminated UTF-8, allocated once, for every run.</summary>
internal sealed unsafe class NativeNames : IDisposable
{
    private readonly Dictionary<string, IntPtr> _byName = new(StringComparer.Ordinal);

    public NativeNames(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            _byName[name] = Allocate(name);
        }
    }

    public IntPtr? Find(string name) => _byName.TryGetValue(name, out var pointer) ? pointer : null;

    public void Dispose()
    {
        foreach (var pointer in _byName.Values)
        {
            NativeMemory.Free((void*)pointer);
        }

        _byName.Clear();
    }

    internal static IntPtr Allocate(string name)
    {
        var length = Encoding.UTF8.GetByteCount(name);
        var pointer = (byte*)NativeMemory.Alloc((nuint)length + 1);
        Encoding.UTF8.GetBytes(name, new Span<byte>(pointer, length));
        pointer[length] = 0;
        return (IntPtr)pointer;
    }
}

/// <summary>Names that are not the session's (a caller's typo): passed to ORT so it reports them, then freed.</summary>
internal sealed unsafe class TemporaryNames : IDisposable
{
    private List<IntPtr>? _pointers;

    public IntPtr Add(string name)
    {
        var pointer = NativeNames.Allocate(name);
        (_pointers ??= []).Add(pointer);
        return pointer;
    }

    public void Dispose()
    {
        if (_pointers is null)
        {
            return;
        }

        foreach (var pointer in _pointers)
        {
            NativeMemory.Free((void*)pointer);
        }
    }
}
