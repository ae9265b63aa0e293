"""A tiny msgpack packer for writing fuzz seed inputs (no msgpack module on CI machines)."""
import struct


class Bin(bytes):
    """Packed as msgpack bin instead of str."""


class Raw(bytes):
    """Already-packed bytes, copied as they are."""


def pack(v):
    if isinstance(v, Raw):
        return bytes(v)
    if v is None:
        return b'\xc0'
    if v is True:
        return b'\xc3'
    if v is False:
        return b'\xc2'
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack('b', v)
        if 0 <= v < 2 ** 8:
            return b'\xcc' + struct.pack('>B', v)
        if 0 <= v < 2 ** 16:
            return b'\xcd' + struct.pack('>H', v)
        if 0 <= v < 2 ** 32:
            return b'\xce' + struct.pack('>I', v)
        if 0 <= v < 2 ** 64:
            return b'\xcf' + struct.pack('>Q', v)
        return b'\xd3' + struct.pack('>q', v)
    if isinstance(v, float):
        return b'\xcb' + struct.pack('>d', v)
    if isinstance(v, Bin):
        return b'\xc4' + bytes([len(v)]) + bytes(v) if len(v) < 256 else b'\xc5' + struct.pack('>H', len(v)) + bytes(v)
    if isinstance(v, (str, bytes)):
        b = v.encode() if isinstance(v, str) else v
        if len(b) < 32:
            return bytes([0xa0 | len(b)]) + b
        if len(b) < 256:
            return b'\xd9' + bytes([len(b)]) + b
        return b'\xda' + struct.pack('>H', len(b)) + b
    if isinstance(v, (list, tuple)):
        head = bytes([0x90 | len(v)]) if len(v) < 16 else b'\xdc' + struct.pack('>H', len(v))
        return head + b''.join(pack(x) for x in v)
    if isinstance(v, dict):
        head = bytes([0x80 | len(v)]) if len(v) < 16 else b'\xde' + struct.pack('>H', len(v))
        return head + b''.join(pack(k) + pack(x) for k, x in v.items())
    raise TypeError(type(v))
