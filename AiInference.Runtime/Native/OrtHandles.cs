using System.Runtime.InteropServices;

namespace AiInference.Runtime.Native;

/// <summary>A native ORT object released exactly once, even when its owner is never disposed.</summary>
internal abstract class OrtHandle(OrtApi api) : SafeHandle(IntPtr.Zero, ownsHandle: true)
{
    protected OrtApi Api { get; } = api;

    public override bool IsInvalid => handle == IntPtr.Zero;

    internal void Adopt(IntPtr value) => SetHandle(value);
}

internal sealed unsafe class OrtSessionHandle(OrtApi api) : OrtHandle(api)
{
    protected override bool ReleaseHandle()
    {
        Api.ReleaseSession(handle);
        return true;
    }
}

internal sealed unsafe class OrtSessionOptionsHandle(OrtApi api) : OrtHandle(api)
{
    protected override bool ReleaseHandle()
    {
        Api.ReleaseSessionOptions(handle);
        return true;
    }
}

internal sealed unsafe class OrtRunOptionsHandle(OrtApi api) : OrtHandle(api)
{
    protected override bool ReleaseHandle()
    {
        Api.ReleaseRunOptions(handle);
        return true;
    }
}

internal sealed unsafe class OrtMemoryInfoHandle(OrtApi api) : OrtHandle(api)
{
    protected override bool ReleaseHandle()
    {
        Api.ReleaseMemoryInfo(handle);
        return true;
    }
}

internal sealed unsafe class OrtEnvHandle(OrtApi api) : OrtHandle(api)
{
    protected override bool ReleaseHandle()
    {
        Api.ReleaseEnv(handle);
        return true;
    }
}
