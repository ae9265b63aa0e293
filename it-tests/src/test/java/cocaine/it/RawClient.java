package cocaine.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ArrayValue;
import org.msgpack.value.Value;

/**
 * A client that speaks the wire with hand-built msgpack, independent of our codec: what a foreign
 * peer (the Python framework, a fuzzer) would send.
 */
final class RawClient implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final MessageUnpacker in;

  RawClient(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    out = socket.getOutputStream();
    InputStream stream = socket.getInputStream();
    in = MessagePack.newDefaultUnpacker(stream);
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Sends {@code [channel, type, [args...]]} (3 elements, as the Python worker and Logger do). */
  void send(long channel, int type, Object... args) throws IOException {
    send(frame(channel, type, args));
  }

  /**
   * Sends {@code [channel, type, [args...], [[false, name, value], ...]]}: a call with v12 headers
   * as literals (docs/protocol.md 1.5), e.g. {@code authorization: Bearer <token>}.
   */
  void sendWithHeaders(long channel, int type, Map<String, String> headers, Object... args) throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packArrayHeader(4).packLong(channel).packInt(type).packArrayHeader(args.length);
    for (Object a : args) {
      pack(p, a);
    }
    p.packArrayHeader(headers.size());
    for (Map.Entry<String, String> h : headers.entrySet()) {
      p.packArrayHeader(3).packBoolean(false);
      pack(p, h.getKey());
      pack(p, h.getValue());
    }
    send(p.toByteArray());
  }

  /** The local port of this client's connection: the runtime logs it as the peer, {@code 127.0.0.1:<port>}. */
  int localPort() {
    return socket.getLocalPort();
  }

  static byte[] frame(long channel, int type, Object... args) throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packArrayHeader(3).packLong(channel).packInt(type).packArrayHeader(args.length);
    for (Object a : args) {
      pack(p, a);
    }
    return p.toByteArray();
  }

  private static void pack(MessageBufferPacker p, Object a) throws IOException {
    if (a instanceof String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      p.packRawStringHeader(b.length).writePayload(b);
    } else if (a instanceof byte[] b) {
      p.packRawStringHeader(b.length).writePayload(b);
    } else if (a instanceof Integer || a instanceof Long) {
      p.packLong(((Number) a).longValue());
    } else if (a instanceof java.util.List<?> list) {
      p.packArrayHeader(list.size());
      for (Object item : list) {
        pack(p, item);
      }
    } else {
      throw new IllegalArgumentException("cannot pack " + a);
    }
  }

  /** The next frame as a msgpack array. */
  ArrayValue receive() throws IOException {
    Value v = in.unpackValue();
    return v.asArrayValue();
  }

  /** True when the server closed the connection (EOF) within the socket timeout. */
  boolean closedByServer() throws IOException {
    try {
      return socket.getInputStream().read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  static String str(Value v) {
    return new String(v.asRawValue().asByteArray(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
