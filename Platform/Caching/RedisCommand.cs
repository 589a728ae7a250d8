using System.Globalization;
using System.Text;

namespace Platform.Caching;

/// <summary>
/// A command on its way to the server, and the promise of its reply. Deriving from the completion source
/// saves an allocation per command on the hot path.
/// </summary>
internal sealed class RedisCommand : TaskCompletionSource<RespValue>
{
    public RedisCommand(string name, params ReadOnlyMemory<byte>[] arguments)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Name = name;
        Arguments = arguments;
    }

    public string Name { get; }

    public ReadOnlyMemory<byte>[] Arguments { get; }

    public static ReadOnlyMemory<byte> Arg(string text) => Encoding.UTF8.GetBytes(text);

    public static ReadOnlyMemory<byte> Arg(long number) => Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture));

    /// <summary>Completes with the reply, turning an error reply into a <see cref="RedisServerException"/>.</summary>
    public void Complete(RespValue reply)
    {
        if (reply.Type == RespType.Error)
        {
            TrySetException(new RedisServerException(Name, reply.AsString()!));
        }
        else
        {
            TrySetResult(reply);
        }
    }
}
