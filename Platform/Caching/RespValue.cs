using System.Globalization;
using System.Text;

namespace Platform.Caching;

/// <summary>The kinds of RESP2 reply a server sends.</summary>
#pragma warning disable CA1720 // the names are the RESP specification's
public enum RespType
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
}
#pragma warning restore CA1720

/// <summary>One reply from the server: a simple string, error, integer, bulk string (binary) or array.</summary>
public sealed class RespValue
{
    internal static readonly RespValue NullBulkString = new(RespType.BulkString, null, 0, null, null);
    internal static readonly RespValue NullArray = new(RespType.Array, null, 0, null, null);

    private readonly string? _text;
    private readonly long _integer;
    private readonly byte[]? _bytes;
    private readonly RespValue[]? _items;

    private RespValue(RespType type, string? text, long integer, byte[]? bytes, RespValue[]? items)
    {
        Type = type;
        _text = text;
        _integer = integer;
        _bytes = bytes;
        _items = items;
    }

    /// <summary>What kind of reply this is.</summary>
    public RespType Type { get; }

    /// <summary>True for the null bulk string (<c>$-1</c>) and the null array (<c>*-1</c>).</summary>
    public bool IsNull => Type switch
    {
        RespType.BulkString => _bytes is null,
        RespType.Array => _items is null,
        _ => false,
    };

    internal static RespValue SimpleString(string text) => new(RespType.SimpleString, text, 0, null, null);

    internal static RespValue Error(string text) => new(RespType.Error, text, 0, null, null);

    internal static RespValue Integer(long value) => new(RespType.Integer, null, value, null, null);

    internal static RespValue Bulk(byte[] bytes) => new(RespType.BulkString, null, 0, bytes, null);

    internal static RespValue Array(RespValue[] items) => new(RespType.Array, null, 0, null, items);

    /// <summary>The reply as text (UTF-8 for bulk strings), or null for a null reply.</summary>
    public string? AsString() => Type switch
    {
        RespType.SimpleString or RespType.Error => _text,
        RespType.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        RespType.BulkString => _bytes is null ? null : Encoding.UTF8.GetString(_bytes),
        _ => throw new InvalidCastException($"A RESP {Type} reply is not a string."),
    };

    /// <summary>The reply's bytes (bulk strings as sent), or null for a null reply.</summary>
    public byte[]? AsBytes() => Type switch
    {
        RespType.BulkString => _bytes,
        RespType.SimpleString or RespType.Error or RespType.Integer => Encoding.UTF8.GetBytes(AsString()!),
        _ => throw new InvalidCastException($"A RESP {Type} reply is not a byte string."),
    };

    /// <summary>The reply as a number: integer replies, or strings holding a number.</summary>
    public long AsInt64() => Type == RespType.Integer
        ? _integer
        : long.Parse(AsString() ?? throw new InvalidCastException("A null reply is not a number."), CultureInfo.InvariantCulture);

    /// <summary>The items of an array reply (empty for a null array).</summary>
    public IReadOnlyList<RespValue> AsArray() => Type == RespType.Array
        ? _items ?? []
        : throw new InvalidCastException($"A RESP {Type} reply is not an array.");

    /// <inheritdoc />
    public override string ToString() => IsNull ? "(nil)" : Type == RespType.Array ? $"[{string.Join(", ", _items!.Select(i => i.ToString()))}]" : AsString()!;
}
