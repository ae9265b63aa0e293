package cocaine.wire;

import java.io.IOException;
import java.util.List;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ArrayValue;
import org.msgpack.value.ImmutableValue;
import org.msgpack.value.Value;

/**
 * Bytes to frames for one connection direction: msgpack objects back to back, one frame each
 * (docs/protocol.md 1.2-1.3). Accepts 3 or more elements and nil headers; keeps the direction's header
 * table. Holds at most one incomplete frame plus the last chunk fed; a frame over the limit is
 * refused before its bytes are buffered. After a {@link WireException} the decoder is unusable.
 */
public final class FrameDecoder {
  private final int maxFrameBytes;
  private final HeaderTable headers = new HeaderTable();
  private final long[] scanScratch = new long[MsgpackScanner.MAX_DEPTH + 1];
  private byte[] buf = new byte[4096];
  private int start;
  private int end;

  public FrameDecoder(int maxFrameBytes) {
    if (maxFrameBytes < 16) {
      throw new IllegalArgumentException("maxFrameBytes: " + maxFrameBytes + " (expected: >= 16)");
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Appends received bytes; call {@link #next()} until it returns null before feeding more. */
  public void feed(byte[] bytes, int offset, int length) {
    if (end + length > buf.length) {
      int live = end - start;
      if (live + length > buf.length) {
        byte[] grown = new byte[Math.max(buf.length * 2, live + length)];
        System.arraycopy(buf, start, grown, 0, live);
        buf = grown;
      } else {
        System.arraycopy(buf, start, buf, 0, live);
      }
      end = live;
      start = 0;
    }
    System.arraycopy(bytes, offset, buf, end, length);
    end += length;
  }

  public void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  /** Bytes received but not yet part of a decoded frame. */
  public int buffered() {
    return end - start;
  }

  /** The next complete frame, or null when more bytes are needed. */
  public Frame next() {
    if (start == end) {
      compact();
      return null;
    }
    int length = MsgpackScanner.objectLength(buf, start, end, maxFrameBytes, scanScratch);
    if (length == MsgpackScanner.INCOMPLETE) {
      if (end - start > maxFrameBytes) {
        throw new WireException(ErrorCode.PARSE, "incomplete message of more than " + maxFrameBytes + " bytes");
      }
      return null;
    }
    ImmutableValue value;
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(buf, start, length)) {
      value = unpacker.unpackValue();
    } catch (IOException | RuntimeException e) {
      throw new WireException(ErrorCode.PARSE, "undecodable msgpack: " + e.getMessage());
    }
    start += length;
    return toFrame(value);
  }

  private void compact() {
    start = 0;
    end = 0;
    if (buf.length > 65536) {
      buf = new byte[4096];
    }
  }

  private Frame toFrame(Value value) {
    if (!value.isArrayValue() || value.asArrayValue().size() < 3) {
      throw new WireException(ErrorCode.FRAME_FORMAT, "a frame must be an array of at least 3 elements, got "
          + abbreviate(value));
    }
    ArrayValue parts = value.asArrayValue();
    Value channel = parts.get(0);
    Value type = parts.get(1);
    Value args = parts.get(2);
    if (!channel.isIntegerValue() || !channel.asIntegerValue().isInLongRange() || channel.asIntegerValue().toLong() < 0) {
      throw new WireException(ErrorCode.FRAME_FORMAT, "channel id must be a non-negative integer, got " + abbreviate(channel));
    }
    if (!type.isIntegerValue() || !type.asIntegerValue().isInIntRange() || type.asIntegerValue().toInt() < 0) {
      throw new WireException(ErrorCode.FRAME_FORMAT, "message type must be a non-negative integer, got " + abbreviate(type));
    }
    if (!args.isArrayValue()) {
      throw new WireException(ErrorCode.FRAME_FORMAT, "message args must be an array, got " + abbreviate(args));
    }
    List<Header> decoded = List.of();
    if (parts.size() > 3 && !parts.get(3).isNilValue()) {
      if (!parts.get(3).isArrayValue()) {
        throw new WireException(ErrorCode.HPACK, "headers must be an array, got " + abbreviate(parts.get(3)));
      }
      if (parts.get(3).asArrayValue().size() > 0) {
        decoded = headers.decode(parts.get(3).asArrayValue());
      }
    }
    return new Frame(channel.asIntegerValue().toLong(), type.asIntegerValue().toInt(), argList(args.asArrayValue()), decoded);
  }

  /** An immutable JDK list, so that Frame keeps it as is instead of copying msgpack's list view twice. */
  private static List<Value> argList(ArrayValue args) {
    Value[] items = new Value[args.size()];
    for (int i = 0; i < items.length; i++) {
      items[i] = args.get(i);
    }
    return List.of(items);
  }

  private static String abbreviate(Value v) {
    String s = v.toString();
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
